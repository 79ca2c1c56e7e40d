import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startWorkspace, type Workspace } from './activity.test-support.js';
import { DEFAULT_DOWNLOAD_TTL_MS } from './entity-files.js';

interface EntityFile {
  id: number;
  name: string;
  size: number;
  person_id: number | null;
  organization_id: number | null;
  opportunity_id: number | null;
  uploader_id: number;
  created_at: string;
  [camel: string]: unknown;
}
type Page = { entity_files: EntityFile[]; next_page_token: string | null };

let w: Workspace;

beforeAll(async () => {
  w = await startWorkspace();
});
afterAll(() => w.em.close());

function form(fields: Record<string, string>, files: Array<[string, string, string]>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  for (const [field, name, content] of files)
    f.append(field, new Blob([content], { type: 'text/plain' }), name);
  return f;
}

async function filesOf(q: string): Promise<EntityFile[]> {
  return (await call<Page>(w, 'GET', `/entity-files${q}`)).body.entity_files;
}

describe('POST /entity-files', () => {
  it('uploads one file (`file`) to a person', async () => {
    const r = await call(w, 'POST', '/entity-files', {
      multipart: form({ person_id: String(w.bob) }, [['file', 'deck.txt', 'hello deck']]),
    });
    expect(r).toMatchObject({ status: 200, body: { success: true } });
    const [f] = await filesOf(`?person_id=${w.bob}`);
    expect(f).toEqual({
      id: expect.any(Number),
      name: 'deck.txt',
      size: 10,
      person_id: w.bob,
      organization_id: null,
      opportunity_id: null,
      created_at: '2024-03-15T05:00:00.000-07:00',
      uploader_id: w.ann,
      personId: w.bob,
      organizationId: null,
      opportunityId: null,
      createdAt: '2024-03-15T05:00:00.000-07:00',
      uploaderId: w.ann,
    });
  });

  it('uploads several files (`files[]`) to an organization or an opportunity', async () => {
    const r = await call(w, 'POST', '/entity-files', {
      multipart: form({ organization_id: String(w.acme) }, [
        ['files[]', 'a.txt', 'a'],
        ['files[]', 'b.txt', 'bb'],
      ]),
    });
    expect(r.status).toBe(200);
    const names = (await filesOf(`?organization_id=${w.acme}`)).map((f) => f.name).sort();
    expect(names).toEqual(['a.txt', 'b.txt']);
    await call(w, 'POST', '/entity-files', {
      multipart: form({ opportunity_id: String(w.deal) }, [['file', 'term-sheet.txt', 'ts']]),
      key: w.carlKey,
    });
    expect(await filesOf(`?opportunity_id=${w.deal}`)).toMatchObject([
      { name: 'term-sheet.txt', uploader_id: w.carl },
    ]);
  });

  it('needs exactly one entity and at least one file', async () => {
    const post = (
      fields: Record<string, string>,
      files: Array<[string, string, string]> = [['file', 'x.txt', 'x']],
    ) => call(w, 'POST', '/entity-files', { multipart: form(fields, files) });
    expect((await post({})).status).toBe(422);
    expect((await post({ person_id: String(w.bob), organization_id: String(w.acme) })).status).toBe(422);
    expect((await post({ person_id: String(w.bob) }, [])).status).toBe(422);
    expect((await post({ person_id: '999999' })).status).toBe(422);
  });
});

describe('GET /entity-files', () => {
  it('lists all files, newest first, and pages', async () => {
    const all = await filesOf('');
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(all.map((f) => f.id)).toEqual([...all.map((f) => f.id)].sort((a, b) => b - a));
    const first = await call<Page>(w, 'GET', '/entity-files?page_size=3');
    expect(first.body.entity_files).toHaveLength(3);
    const rest = await call<Page>(w, 'GET', `/entity-files?page_token=${first.body.next_page_token}`);
    expect([...first.body.entity_files, ...rest.body.entity_files].map((f) => f.id)).toEqual(
      all.map((f) => f.id),
    );
    expect(rest.body.next_page_token).toBeNull();
  });

  it('gets one file', async () => {
    const [f] = await filesOf(`?person_id=${w.bob}`);
    expect((await call(w, 'GET', `/entity-files/${f?.id}`)).body).toEqual(f);
    expect((await call(w, 'GET', '/entity-files/999999')).status).toBe(404);
  });
});

describe('GET /entity-files/download/{id}', () => {
  it('redirects to a short-lived link that serves the bytes without auth, then expires', async () => {
    const [f] = await filesOf(`?person_id=${w.bob}`);
    const r = await call(w, 'GET', `/entity-files/download/${f?.id}`, { redirect: 'manual' });
    expect(r.status).toBe(302);
    const location = r.headers.get('location') ?? '';
    expect(location.startsWith(w.em.url)).toBe(true);
    const got = await fetch(location);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toContain('text/plain');
    expect(got.headers.get('content-disposition')).toContain('deck.txt');
    expect(await got.text()).toBe('hello deck');
    // Following the redirect, as `curl -L` does, gives the file directly.
    const followed = await call(w, 'GET', `/entity-files/download/${f?.id}`);
    expect(followed).toMatchObject({ status: 200, body: 'hello deck' });
    w.clock.advance(DEFAULT_DOWNLOAD_TTL_MS + 1);
    expect((await fetch(location)).status).toBe(403);
    expect((await fetch(`${w.em.url}/_storage/entity-files/not-a-token`)).status).toBe(404);
    expect((await call(w, 'GET', '/entity-files/download/999999', { redirect: 'manual' })).status).toBe(404);
  });
});
