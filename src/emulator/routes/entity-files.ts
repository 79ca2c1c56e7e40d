/**
 * Entity files (`/entity-files`): multipart upload to one person, organization or opportunity,
 * listing with filters, and downloads that answer a 302 to a short-lived URL served by the emulator
 * itself, as the live API redirects to expiring storage links. Rows repeat their keys in camelCase
 * beside the snake_case ones, as the live API does. Emits `file.created`.
 */
import { randomBytes } from 'node:crypto';
import { ACTIVITY_TABLES, deletedEntity, optInt, pathId } from '../activity-common.js';
import {
  ApiError,
  type EmulatorCore,
  notFound,
  type RequestContext,
  type ResourceModule,
  type Table,
  unprocessable,
} from '../framework.js';
import { tablesOf } from '../model.js';

/** Default and maximum page size of `GET /entity-files`. */
export const ENTITY_FILES_PAGE_SIZE = 500;

/** Path of the expiring download links (outside Affinity's API: no auth, no rate limit). */
export const FILE_STORAGE_PATH = '/_storage/entity-files';

export interface EntityFileRow {
  id: number;
  name: string;
  size: number;
  content_type: string;
  person_id: number | null;
  organization_id: number | null;
  opportunity_id: number | null;
  uploader_id: number;
  created_at: string;
  /** The file's bytes, base64, so that the file survives a state export and load. */
  data_base64: string;
}

interface DownloadLinks {
  ttlMs: number;
  tokens: Map<string, { fileId: number; expiresAt: number }>;
}

/** How long a download link stays valid unless configured otherwise. */
export const DEFAULT_DOWNLOAD_TTL_MS = 5 * 60_000;

const table = (core: EmulatorCore): Table<EntityFileRow> =>
  core.table<EntityFileRow>(ACTIVITY_TABLES.entityFiles);
const links = (core: EmulatorCore): DownloadLinks =>
  core.memo('entity-files.downloads', () => ({ ttlMs: DEFAULT_DOWNLOAD_TTL_MS, tokens: new Map() }));

/** Sets how long download links of one emulator stay valid (measured on the emulator's clock). */
export function setDownloadLinkTtl(core: EmulatorCore, ttlMs: number): void {
  links(core).ttlMs = ttlMs;
}

/** The file as the API answers it, snake_case keys and their camelCase twins. */
export function renderEntityFile(row: EntityFileRow): Record<string, unknown> {
  return {
    id: row.id,
    name: row.name,
    size: row.size,
    person_id: row.person_id,
    organization_id: row.organization_id,
    opportunity_id: row.opportunity_id,
    created_at: row.created_at,
    uploader_id: row.uploader_id,
    personId: row.person_id,
    organizationId: row.organization_id,
    opportunityId: row.opportunity_id,
    createdAt: row.created_at,
    uploaderId: row.uploader_id,
  };
}

function find(core: EmulatorCore, ctx: RequestContext): EntityFileRow {
  const id = pathId(ctx.params, 'entity_file_id');
  const row = id === undefined ? undefined : table(core).get(id);
  if (!row) throw notFound('Entity file');
  return row;
}

/** Stores a file on exactly one entity (the API and tests share it). */
export function insertEntityFile(
  core: EmulatorCore,
  f: {
    name: string;
    contentType: string;
    data: Buffer;
    uploaderId: number;
    personId: number | null;
    organizationId: number | null;
    opportunityId: number | null;
  },
): EntityFileRow {
  return table(core).insert({
    id: core.nextId(),
    name: f.name,
    size: f.data.length,
    content_type: f.contentType,
    person_id: f.personId,
    organization_id: f.organizationId,
    opportunity_id: f.opportunityId,
    uploader_id: f.uploaderId,
    created_at: core.timestamp(),
    data_base64: f.data.toString('base64'),
  });
}

/** RFC 6266 `Content-Disposition` with an ASCII fallback and the UTF-8 name. */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export const entityFilesModule: ResourceModule = {
  name: 'entity-files',
  routes: (core) => [
    {
      method: 'GET',
      path: '/entity-files',
      handler: (ctx) => {
        const q = ctx.query;
        const personId = optInt(q, 'person_id');
        const organizationId = optInt(q, 'organization_id');
        const opportunityId = optInt(q, 'opportunity_id');
        const rows = table(core)
          .all()
          .filter(
            (f) =>
              (personId === undefined || f.person_id === personId) &&
              (organizationId === undefined || f.organization_id === organizationId) &&
              (opportunityId === undefined || f.opportunity_id === opportunityId),
          )
          .sort((a, b) => b.id - a.id);
        const page = core.paginate(rows, q, {
          defaultSize: ENTITY_FILES_PAGE_SIZE,
          maxSize: ENTITY_FILES_PAGE_SIZE,
        });
        return { entity_files: page.items.map(renderEntityFile), next_page_token: page.nextPageToken };
      },
    },
    {
      method: 'GET',
      path: '/entity-files/{entity_file_id}',
      handler: (ctx) => renderEntityFile(find(core, ctx)),
    },
    {
      method: 'GET',
      path: '/entity-files/download/{entity_file_id}',
      handler: (ctx) => {
        const row = find(core, ctx);
        const l = links(core);
        const now = core.now().getTime();
        for (const [token, link] of l.tokens) if (link.expiresAt <= now) l.tokens.delete(token);
        const token = randomBytes(24).toString('hex');
        l.tokens.set(token, { fileId: row.id, expiresAt: now + l.ttlMs });
        return {
          __raw: true,
          status: 302,
          headers: { location: `${ctx.baseUrl}${FILE_STORAGE_PATH}/${token}` },
          body: '',
        };
      },
    },
    {
      method: 'GET',
      path: `${FILE_STORAGE_PATH}/{token}`,
      public: true,
      handler: (ctx) => {
        const token = ctx.params.token ?? '';
        const link = links(core).tokens.get(token);
        if (!link) throw new ApiError(404, 'Not Found');
        if (link.expiresAt <= core.now().getTime()) {
          links(core).tokens.delete(token);
          throw new ApiError(403, 'Request has expired');
        }
        const row = table(core).get(link.fileId);
        if (!row) throw new ApiError(404, 'Not Found');
        return {
          __raw: true,
          status: 200,
          headers: {
            'content-type': row.content_type,
            'content-disposition': disposition(row.name),
            'cache-control': 'private, max-age=0',
          },
          body: Buffer.from(row.data_base64, 'base64'),
        };
      },
    },
    {
      method: 'POST',
      path: '/entity-files',
      handler: (ctx) => {
        const b = ctx.body;
        const t = tablesOf(core);
        const personId = optInt(b, 'person_id') ?? null;
        const organizationId = optInt(b, 'organization_id') ?? null;
        const opportunityId = optInt(b, 'opportunity_id') ?? null;
        const given = [personId, organizationId, opportunityId].filter((v) => v !== null).length;
        if (given !== 1) {
          throw unprocessable('Exactly one of person_id, organization_id or opportunity_id is required.');
        }
        if (personId !== null) t.persons.reference(personId, 'Person', 'person_id');
        if (organizationId !== null)
          t.organizations.reference(organizationId, 'Organization', 'organization_id');
        if (opportunityId !== null) t.opportunities.reference(opportunityId, 'Opportunity', 'opportunity_id');
        if (ctx.files.length === 0) throw unprocessable('file or files is required.');
        const rows = ctx.files.map((f) =>
          insertEntityFile(core, {
            name: f.filename,
            contentType: f.contentType || 'application/octet-stream',
            data: f.data,
            uploaderId: ctx.userId,
            personId,
            organizationId,
            opportunityId,
          }),
        );
        for (const row of rows) core.emit('file.created', renderEntityFile(row));
        return { success: true };
      },
    },
  ],
  // Files live on their entity: deleting the entity deletes them.
  onEvent: (core, type, body) => {
    const gone = deletedEntity(type, body);
    if (!gone) return;
    const key = `${gone.kind}_id` as const;
    for (const row of table(core)
      .all()
      .filter((f) => f[key] === gone.id)) {
      table(core).delete(row.id);
      core.emit('file.deleted', renderEntityFile(row));
    }
  },
};
