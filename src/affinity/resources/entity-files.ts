import { parseErrorBody } from '../core/body.js';
import { errorFromResponse } from '../core/errors.js';
import { paginate, paginatePages } from '../core/pagination.js';
import { type SuccessResponse, successSchema } from '../schemas/common.js';
import {
  type EntityFile,
  type EntityFilePage,
  entityFilePageSchema,
  entityFileSchema,
} from '../schemas/entity-files.js';
import type { Page, Transport } from '../transport.js';
import {
  AffinityArgumentError,
  checkId,
  checkOneOf,
  checkOptionalId,
  checkPageSize,
  type ExactlyOne,
} from './arguments.js';

/** Query of `GET /entity-files`. */
export interface EntityFileFilters {
  person_id?: number;
  organization_id?: number;
  opportunity_id?: number;
  /** Default and maximum 500. */
  page_size?: number;
  page_token?: string;
}

/** A file to upload: a `File`/`Blob` (a `Blob` needs `name`), or bytes with a name. */
export type UploadFile =
  | File
  | {
      name: string;
      data: Blob | Uint8Array | string;
      /** Default `application/octet-stream`. */
      contentType?: string;
    };

/** The entity the uploaded files attach to: exactly one. */
export type EntityFileOwner = ExactlyOne<{
  person_id: number;
  organization_id: number;
  opportunity_id: number;
}>;

/** `POST /entity-files` payload: one file (sent as `file`) or several (sent as `files[]`). */
export type UploadEntityFilesParams = EntityFileOwner & ({ file: UploadFile } | { files: UploadFile[] });

const LIST = 'GET /entity-files';
const DOWNLOAD = 'GET /entity-files/download/{entity_file_id}';
const OWNERS = ['person_id', 'organization_id', 'opportunity_id'] as const;

/** Entity files: files attached to persons, organizations and opportunities. */
export class EntityFilesResource {
  /**
   * @param fetchImpl used only to follow a download's redirect to its short-lived URL, which
   * must not receive the API key.
   */
  constructor(
    private readonly transport: Transport,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
  ) {}

  /** `GET /entity-files`: one page of files, filtered. */
  async page(filters: EntityFileFilters = {}): Promise<EntityFilePage> {
    return this.transport.request({
      method: 'GET',
      path: '/entity-files',
      endpoint: LIST,
      query: {
        person_id: checkOptionalId(LIST, 'person_id', filters.person_id),
        organization_id: checkOptionalId(LIST, 'organization_id', filters.organization_id),
        opportunity_id: checkOptionalId(LIST, 'opportunity_id', filters.opportunity_id),
        page_size: checkPageSize(LIST, filters.page_size),
        page_token: filters.page_token,
      },
      schema: entityFilePageSchema,
      idempotent: true,
    });
  }

  /** Every file matching the filters, page by page as the iteration advances. */
  iterate(filters: Omit<EntityFileFilters, 'page_token'> = {}): AsyncGenerator<EntityFile> {
    return paginate((token) => this.fetchPage(filters, token), { endpoint: LIST });
  }

  /** Like {@link iterate}, one page at a time. */
  pages(filters: Omit<EntityFileFilters, 'page_token'> = {}): AsyncGenerator<Page<EntityFile>> {
    return paginatePages((token) => this.fetchPage(filters, token), { endpoint: LIST });
  }

  private async fetchPage(filters: EntityFileFilters, token: string | undefined): Promise<Page<EntityFile>> {
    const page = await this.page(token === undefined ? filters : { ...filters, page_token: token });
    return { items: page.entity_files, nextPageToken: page.next_page_token };
  }

  /** `GET /entity-files/{entity_file_id}`: the file's metadata. */
  async get(entityFileId: number): Promise<EntityFile> {
    const endpoint = 'GET /entity-files/{entity_file_id}';
    return this.transport.request({
      method: 'GET',
      path: `/entity-files/${checkId(endpoint, 'entity_file_id', entityFileId)}`,
      endpoint,
      schema: entityFileSchema,
      idempotent: true,
    });
  }

  /**
   * The short-lived URL `GET /entity-files/download/{entity_file_id}` redirects to (one API
   * call). `null` when the server answered with the content instead of a redirect.
   */
  async downloadUrl(entityFileId: number): Promise<string | null> {
    const response = await this.requestDownload(entityFileId);
    await response.body?.cancel();
    return redirectTarget(response);
  }

  /**
   * Downloads a file's content: one API call (answered with a redirect), then a plain GET of the
   * redirect target without the API key. The returned response's body is the file.
   */
  async download(entityFileId: number): Promise<Response> {
    const response = await this.requestDownload(entityFileId);
    const target = redirectTarget(response);
    if (target === null) return response;
    await response.body?.cancel();
    const file = await this.fetchImpl(target, { redirect: 'follow' });
    if (!file.ok) {
      const text = await file.text();
      throw errorFromResponse({
        status: file.status,
        body: parseErrorBody(text, file.headers.get('content-type')),
        headers: file.headers,
        endpoint: DOWNLOAD,
        method: 'GET',
        idempotent: true,
      });
    }
    return file;
  }

  private async requestDownload(entityFileId: number): Promise<Response> {
    return this.transport.requestRaw({
      method: 'GET',
      path: `/entity-files/download/${checkId(DOWNLOAD, 'entity_file_id', entityFileId)}`,
      endpoint: DOWNLOAD,
      redirect: 'manual',
      idempotent: true,
    });
  }

  /** `POST /entity-files`: uploads one file (`file`) or several (`files[]`) as multipart form data. */
  async upload(params: UploadEntityFilesParams): Promise<SuccessResponse> {
    const endpoint = 'POST /entity-files';
    checkOneOf(endpoint, params, OWNERS);
    const form = new FormData();
    if ('file' in params && params.file !== undefined) {
      appendFile(form, 'file', params.file);
    } else if ('files' in params && params.files.length > 0) {
      for (const f of params.files) appendFile(form, 'files[]', f);
    } else {
      throw new AffinityArgumentError(
        endpoint,
        'file/files',
        'missing: give a file or a non-empty files array',
      );
    }
    for (const key of OWNERS) {
      const id = checkOptionalId(endpoint, key, params[key]);
      if (id !== undefined) form.append(key, String(id));
    }
    return this.transport.request({
      method: 'POST',
      path: '/entity-files',
      endpoint,
      multipart: form,
      schema: successSchema,
      idempotent: false,
    });
  }
}

/** The absolute `Location` of a 3xx answer, or `null`. */
function redirectTarget(response: Response): string | null {
  const location = response.headers.get('location');
  if (response.status < 300 || response.status >= 400 || location === null) return null;
  return new URL(location, response.url || undefined).toString();
}

function appendFile(form: FormData, field: string, file: UploadFile): void {
  if (file instanceof Blob) {
    form.append(field, file, file.name);
    return;
  }
  const type = file.contentType ?? 'application/octet-stream';
  const { data } = file;
  // Copying the bytes gives a `Uint8Array<ArrayBuffer>`, which every lib typing accepts as a BlobPart.
  const blob =
    data instanceof Blob
      ? data
      : new Blob([typeof data === 'string' ? data : new Uint8Array(data)], { type });
  form.append(field, blob, file.name);
}
