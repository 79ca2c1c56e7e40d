/**
 * The emulator's internal contract. Each resource module (`routes/*.ts`) exports a
 * `ResourceModule`: it declares the tables it owns and its routes; the server (`server.ts`) mounts
 * them behind auth, rate limits, faults and statistics. Handlers are plain functions over the
 * in-memory state, so they are easy to read next to the reference they implement.
 */

/** An error answered with Affinity's own status and body shape (object, bare array or text). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
    this.name = 'ApiError';
  }
}

export const notFound = (what = 'Resource'): ApiError => new ApiError(404, { message: `${what} not found.` });
export const forbidden = (message = 'Insufficient rights to this resource.'): ApiError =>
  new ApiError(403, { message });
/** 422 with `{message}`; pass an array to answer Affinity's bare-array body. */
export const unprocessable = (message: string | string[]): ApiError =>
  new ApiError(422, Array.isArray(message) ? message : { message });

/**
 * The emulator's one rule for unknown ids: an id in the path that names nothing is a 404 (the
 * resource asked for does not exist), an id given as a parameter (body or query) that names
 * nothing is a 422 naming the parameter (the reference's "parameters supplied logically cannot
 * complete the request"). Which of the two the live service answers per route is unverified.
 */
export const unknownReference = (what: string, id: number, param: string): ApiError =>
  unprocessable(`${what} with id ${id} not found (${param}).`);

/** A table of rows keyed by id. Ids come from the emulator's one sequence, so they never collide. */
export class Table<T extends { id: number }> {
  readonly rows = new Map<number, T>();
  private snapshot: T[] | null = null;
  get(id: number): T | undefined {
    return this.rows.get(id);
  }
  /** The row an id of the path names, or a 404 naming `what`. */
  require(id: number, what: string): T {
    const row = this.rows.get(id);
    if (!row) throw notFound(what);
    return row;
  }
  /** The row an id given as parameter `param` names, or a 422 (see {@link unknownReference}). */
  reference(id: number, what: string, param: string): T {
    const row = this.rows.get(id);
    if (!row) throw unknownReference(what, id, param);
    return row;
  }
  insert(row: T): T {
    this.rows.set(row.id, row);
    this.snapshot = null;
    return row;
  }
  delete(id: number): boolean {
    this.snapshot = null;
    return this.rows.delete(id);
  }
  clear(): void {
    this.rows.clear();
    this.snapshot = null;
  }
  /**
   * All rows in insertion order (ids ascending when rows are inserted as created), as an array
   * kept until the next insert or delete, so listing endpoints do not copy the table per request.
   * Callers must not mutate the array.
   */
  all(): readonly T[] {
    if (!this.snapshot) this.snapshot = Array.from(this.rows.values());
    return this.snapshot;
  }
  values(): IterableIterator<T> {
    return this.rows.values();
  }
  get size(): number {
    return this.rows.size;
  }
}

/** Webhook event types as the reference names them (e.g. `list_entry.created`). */
export type WebhookEventType = string;

/** What a request handler sees. */
export interface RequestContext {
  /** The internal person the API key belongs to. */
  userId: number;
  params: Record<string, string>;
  /** Query string; repeated keys (`ids[]=1&ids[]=2`) become arrays, keys keep their `[]`. */
  query: Record<string, string | string[]>;
  /** Parsed JSON or form body (form values are strings); multipart parts arrive in `files`/`body`. */
  body: Record<string, unknown>;
  files: Array<{ filename: string; contentType: string; data: Buffer }>;
  /** Absolute base URL of this emulator, for building download links. */
  baseUrl: string;
  /** The id of the API key row the request authenticated with (absent on public routes). */
  apiKeyId?: number;
  /** The caller's rate-limit usage after counting this request (what `GET /rate-limit` shows). */
  rateLimit?: RateLimitStatus;
}

/** One rate-limit window as `GET /rate-limit` renders it. */
export interface RateLimitWindow {
  limit: number | 'unlimited';
  remaining: number | 'unlimited';
  /** Seconds until the window resets. */
  reset: number;
  used: number;
}

export interface RateLimitStatus {
  org_monthly: RateLimitWindow;
  api_key_per_minute: RateLimitWindow;
}

/**
 * A JSON body already serialized, sent as is with status 200: search pages joined from the cached
 * JSON of each row, so a 500-row page costs a string join instead of 500 renders and a stringify.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/** A handler's answer: a JSON body (status 200), {@link JsonText}, or a redirect/raw answer. */
export type HandlerResult =
  | unknown
  | JsonText
  | { __raw: true; status: number; headers?: Record<string, string>; body?: Buffer | string };

export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Route template with `{param}` placeholders, as in the reference: `/notes/{note_id}`. */
  path: string;
  handler: (ctx: RequestContext) => HandlerResult | Promise<HandlerResult>;
  /** Routes outside Affinity's API (file downloads) skip auth and rate limits. */
  public?: boolean;
}

/** Services the core offers every module. */
export interface EmulatorCore {
  /** The table named `name`, created on first use; every table is saved and restored with the state. */
  table<T extends { id: number }>(name: string): Table<T>;
  /** Next id of the one sequence. */
  nextId(): number;
  now(): Date;
  /** Timestamp in Affinity's usual form, e.g. `2021-09-12T16:29:15.962-07:00`. */
  timestamp(d?: Date): string;
  /** Queue a webhook event for delivery to subscribed URLs. */
  emit(type: WebhookEventType, body: unknown): void;
  /** Internal persons (users of the workspace). */
  isInternalPerson(personId: number): boolean;
  /**
   * Paginates `items` for a query: validates `page_token` against the query it was issued for
   * (422 "Invalid page_token variable" otherwise) and returns the slice and the next token or null.
   */
  paginate<T>(
    items: readonly T[],
    query: Record<string, string | string[]>,
    opts: { defaultSize: number; maxSize: number },
  ): { items: T[]; nextPageToken: string | null };
  /**
   * A value derived from the state (an index, a cache), built on first use and dropped whenever
   * the state is replaced (reset, seed, load). Modules keep it current on their own writes.
   */
  memo<T>(key: string, build: (core: EmulatorCore) => T): T;
}

export interface ResourceModule {
  name: string;
  routes(core: EmulatorCore): RouteDef[];
  /** Optional reset hook (called after tables are cleared). */
  reset?(core: EmulatorCore): void;
  /** Called for every event passed to `core.emit` (the webhooks module delivers them). */
  onEvent?(core: EmulatorCore, type: WebhookEventType, body: unknown): void;
  /** Called when the emulator closes: stop timers, finish or drop pending work. */
  close?(): Promise<void> | void;
}
