/**
 * The emulator's state and the services every resource module uses: tables, the one id sequence,
 * the clock, Affinity-style timestamps, pagination tokens, webhook event fan-out, and the JSON
 * form of the whole workspace (export, seed, state file).
 */
import {
  ApiError,
  type EmulatorCore,
  type ResourceModule,
  Table,
  type WebhookEventType,
} from './framework.js';

/** The whole state as JSON: what `GET /_emulator/export` answers and `POST /_emulator/seed` loads. */
export interface WorkspaceJson {
  format: 'affinity-emulator-workspace';
  version: 1;
  /** The last id handed out. */
  sequence: number;
  tables: Record<string, unknown[]>;
}

/** Recognises a workspace document (as opposed to a seed name or function). */
export function isWorkspaceJson(value: unknown): value is WorkspaceJson {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { format?: unknown }).format === 'affinity-emulator-workspace' &&
    typeof (value as { tables?: unknown }).tables === 'object'
  );
}

const PAGE_TOKEN_ERROR = 'Invalid page_token variable';

interface PageToken {
  params: Record<string, string | string[]>;
  page_size: number;
  offset: number;
}

/** Query parameters that define a result set: everything but the paging ones and empty values. */
function queryParams(query: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of Object.keys(query).sort()) {
    if (key === 'page_token' || key === 'page_size') continue;
    const v = query[key];
    if (v === undefined || v === '') continue;
    out[key] = v;
  }
  return out;
}

function sameParams(a: Record<string, string | string[]>, b: Record<string, string | string[]>): boolean {
  return JSON.stringify(queryParams(a)) === JSON.stringify(queryParams(b));
}

function decodeToken(token: string): PageToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Partial<PageToken>;
    if (
      typeof t === 'object' &&
      t !== null &&
      typeof t.params === 'object' &&
      t.params !== null &&
      Number.isInteger(t.page_size) &&
      Number.isInteger(t.offset) &&
      (t.page_size as number) > 0 &&
      (t.offset as number) >= 0
    ) {
      return t as PageToken;
    }
  } catch {
    // fall through: any undecodable token is the same 422
  }
  throw new ApiError(422, { message: PAGE_TOKEN_ERROR });
}

/** Parses `page_size`: a positive integer, capped at `max`; 422 otherwise. */
export function parsePageSize(raw: string | string[] | undefined, dflt: number, max: number): number {
  if (raw === undefined || raw === '') return dflt;
  const s = Array.isArray(raw) ? raw[0] : raw;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1)
    throw new ApiError(422, { message: 'page_size must be a positive integer' });
  return Math.min(n, max);
}

const offsetFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles',
  timeZoneName: 'longOffset',
});

const HOUR = 3_600_000;
// Pacific offsets change only at whole UTC hours (transitions happen at 02:00 local with whole-hour
// offsets), so one Intl lookup per UTC hour is exact; Intl costs ~10 µs a call, which dominated
// seeding. Bounded so a long-running emulator stepping through many dates cannot grow it forever.
const offsetByHour = new Map<number, string>();

function formatOffset(d: Date): string {
  const part = offsetFormat.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT-08:00';
  const m = /GMT([+-]\d{2}:\d{2})/.exec(part);
  return m?.[1] ?? '+00:00';
}

/** The UTC offset of the Pacific time zone at `d`, e.g. `-07:00`. */
export function pacificOffset(d: Date): string {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) return formatOffset(d);
  const hour = Math.floor(ms / HOUR);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    offset = formatOffset(d);
    if (offsetByHour.size >= 100_000) offsetByHour.clear();
    offsetByHour.set(hour, offset);
  }
  return offset;
}

// Writes in a burst (seeding, a batch of requests) share the clock's millisecond.
let lastMs = Number.NaN;
let lastTimestamp = '';

/** `d` rendered in Pacific local time with offset and milliseconds, as Affinity answers. */
export function pacificTimestamp(d: Date): string {
  const ms = d.getTime();
  if (ms === lastMs) return lastTimestamp;
  const offset = pacificOffset(d);
  const sign = offset.startsWith('-') ? -1 : 1;
  const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  const local = new Date(ms + minutes * 60_000).toISOString(); // ...Z, shifted
  const out = `${local.slice(0, 23)}${offset}`;
  lastMs = ms;
  lastTimestamp = out;
  return out;
}

export interface CoreOptions {
  modules: readonly ResourceModule[];
  now?: () => Date;
}

/** The in-memory implementation of {@link EmulatorCore}. */
export class Core implements EmulatorCore {
  private readonly tables = new Map<string, Table<{ id: number }>>();
  private sequence = 0;
  private memos = new Map<string, unknown>();
  readonly modules: readonly ResourceModule[];
  private readonly clock: () => Date;
  /** Bumped whenever the state is replaced; long-lived caches compare it. */
  generation = 0;

  constructor(options: CoreOptions) {
    this.modules = options.modules;
    this.clock = options.now ?? (() => new Date());
  }

  table<T extends { id: number }>(name: string): Table<T> {
    let t = this.tables.get(name);
    if (!t) {
      t = new Table<{ id: number }>();
      this.tables.set(name, t);
    }
    return t as unknown as Table<T>;
  }

  nextId(): number {
    this.sequence += 1;
    return this.sequence;
  }

  now(): Date {
    return this.clock();
  }

  timestamp(d?: Date): string {
    return pacificTimestamp(d ?? this.clock());
  }

  emit(type: WebhookEventType, body: unknown): void {
    for (const m of this.modules) {
      if (!m.onEvent) continue;
      try {
        m.onEvent(this, type, body);
      } catch {
        // a failing subscriber must never fail the request that caused the event
      }
    }
  }

  isInternalPerson(personId: number): boolean {
    const p = this.table<{ id: number; type?: number }>('persons').get(personId);
    return p?.type === 1;
  }

  paginate<T>(
    items: readonly T[],
    query: Record<string, string | string[]>,
    opts: { defaultSize: number; maxSize: number },
  ): { items: T[]; nextPageToken: string | null } {
    const rawToken = query.page_token;
    let size: number;
    let offset = 0;
    if (typeof rawToken === 'string' && rawToken !== '') {
      const token = decodeToken(rawToken);
      if (!sameParams(token.params, query)) throw new ApiError(422, { message: PAGE_TOKEN_ERROR });
      if (
        query.page_size !== undefined &&
        query.page_size !== '' &&
        Number(query.page_size) !== token.page_size
      ) {
        throw new ApiError(422, { message: PAGE_TOKEN_ERROR });
      }
      size = token.page_size;
      offset = token.offset;
    } else if (Array.isArray(rawToken)) {
      throw new ApiError(422, { message: PAGE_TOKEN_ERROR });
    } else {
      size = parsePageSize(query.page_size, opts.defaultSize, opts.maxSize);
    }
    const page = items.slice(offset, offset + size);
    const next = offset + size;
    const nextPageToken =
      next < items.length
        ? Buffer.from(
            JSON.stringify({ params: queryParams(query), page_size: size, offset: next } satisfies PageToken),
          ).toString('base64')
        : null;
    return { items: page, nextPageToken };
  }

  memo<T>(key: string, build: (core: EmulatorCore) => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = build(this);
    this.memos.set(key, value);
    return value;
  }

  /** Empties every table and the sequence, then lets modules reset their own state. */
  reset(): void {
    for (const t of this.tables.values()) t.clear();
    this.sequence = 0;
    this.memos = new Map();
    this.generation += 1;
    for (const m of this.modules) m.reset?.(this);
  }

  /** The whole state as one JSON document (rows are shared, serialise it before mutating). */
  exportState(): WorkspaceJson {
    const tables: Record<string, unknown[]> = {};
    for (const [name, t] of this.tables) tables[name] = Array.from(t.values());
    return { format: 'affinity-emulator-workspace', version: 1, sequence: this.sequence, tables };
  }

  /** Replaces the state with `ws` (as produced by {@link exportState}). */
  loadState(ws: WorkspaceJson): void {
    this.reset();
    let maxId = 0;
    for (const [name, rows] of Object.entries(ws.tables)) {
      if (!Array.isArray(rows)) continue;
      const t = this.table<{ id: number }>(name);
      for (const row of rows) {
        if (typeof row !== 'object' || row === null || typeof (row as { id?: unknown }).id !== 'number')
          continue;
        const r = row as { id: number };
        t.insert(r);
        if (r.id > maxId) maxId = r.id;
      }
    }
    this.sequence = Math.max(ws.sequence ?? 0, maxId);
  }

  /** Names of the tables in use. */
  tableNames(): string[] {
    return [...this.tables.keys()];
  }
}
