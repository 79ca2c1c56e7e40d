import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { referenceExamples as ex } from './reference-examples.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** Parses a recorded multipart body with the platform's own parser. */
async function parts(req: {
  text: string;
  headers: { 'content-type'?: string | undefined };
}): Promise<FormData> {
  return new Response(req.text, {
    headers: { 'content-type': req.headers['content-type'] ?? '' },
  }).formData();
}

describe('entity files', () => {
  it('list with filters; the camelCase duplicates of the live API pass through', async () => {
    h.server.on('GET', '/entity-files', { json: ex.getEntityFiles });
    const page = await h.client.entityFiles.page({ person_id: 142, page_size: 2, page_token: 't' });
    expect(h.server.last().rawQuery).toBe('person_id=142&page_size=2&page_token=t');
    expect(page).toEqual(ex.getEntityFiles);

    const live = { ...ex.entityFileResource, personId: 10, createdAt: ex.entityFileResource.created_at };
    h.server.on('GET', '/entity-files', { json: { entity_files: [live], next_page_token: null } });
    const files = [];
    for await (const f of h.client.entityFiles.iterate({ organization_id: 3, opportunity_id: 4 }))
      files.push(f);
    expect(h.server.last().rawQuery).toBe('organization_id=3&opportunity_id=4');
    expect(files).toEqual([live]);
  });

  it('get', async () => {
    h.server.on('GET', '/entity-files/43212', { json: ex.getEntityFile });
    expect(await h.client.entityFiles.get(43212)).toEqual(ex.getEntityFile);
  });

  it('uploads one file as `file` with the entity id', async () => {
    h.server.on('POST', '/entity-files', { json: ex.success });
    const result = await h.client.entityFiles.upload({
      person_id: 1,
      file: new File(['hello'], 'file.txt', { type: 'text/plain' }),
    });
    const req = h.server.last();
    expect(req.contentType).toBe('multipart/form-data');
    const form = await parts(req);
    const file = form.get('file');
    expect(file).toBeInstanceOf(Blob);
    expect((file as File).name).toBe('file.txt');
    expect(await (file as File).text()).toBe('hello');
    expect(form.get('person_id')).toBe('1');
    expect([...form.keys()].sort()).toEqual(['file', 'person_id']);
    expect(result).toEqual({ success: true });
  });

  it('uploads several files as `files[]`', async () => {
    h.server.on('POST', '/entity-files', { json: ex.success });
    await h.client.entityFiles.upload({
      opportunity_id: 7,
      files: [
        { name: 'file1.txt', data: 'one' },
        { name: 'file2.txt', data: new TextEncoder().encode('two'), contentType: 'text/plain' },
      ],
    });
    const form = await parts(h.server.last());
    const files = form.getAll('files[]') as File[];
    expect(files.map((f) => f.name)).toEqual(['file1.txt', 'file2.txt']);
    expect(await Promise.all(files.map((f) => f.text()))).toEqual(['one', 'two']);
    expect(form.get('opportunity_id')).toBe('7');
  });

  it('upload needs exactly one entity', async () => {
    const before = h.server.requests.length;
    await expect(
      // @ts-expect-error no entity
      h.client.entityFiles.upload({ file: new File(['x'], 'x.txt') }),
    ).rejects.toThrow('missing: give one of person_id');
    expect(h.server.requests.length).toBe(before);
  });

  it('download follows the redirect without sending the API key to the file URL', async () => {
    h.server.on('GET', '/entity-files/download/12345', {
      status: 302,
      headers: { location: `${h.server.url}/signed/12345?sig=abc` },
    });
    h.server.on('GET', '/signed/12345', {
      headers: { 'content-type': 'image/png' },
      body: new Uint8Array([137, 80, 78, 71]),
    });
    const before = h.server.requests.length;
    const response = await h.client.entityFiles.download(12345);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([137, 80, 78, 71]));
    const [api, file] = h.server.requests.slice(before);
    expect(api?.path).toBe('/entity-files/download/12345');
    expect(api?.headers.authorization).toMatch(/^Basic /);
    expect(file?.path).toBe('/signed/12345');
    expect(file?.rawQuery).toBe('sig=abc');
    expect(file?.headers.authorization).toBeUndefined();

    expect(await h.client.entityFiles.downloadUrl(12345)).toBe(`${h.server.url}/signed/12345?sig=abc`);
  });

  it('a relative redirect resolves against the API URL; an expired link throws', async () => {
    h.server.on('GET', '/entity-files/download/9', { status: 302, headers: { location: '/signed/9' } });
    h.server.on('GET', '/signed/9', { status: 403, json: { message: 'link expired' } });
    expect(await h.client.entityFiles.downloadUrl(9)).toBe(`${h.server.url}/signed/9`);
    await expect(h.client.entityFiles.download(9)).rejects.toThrow('link expired');
  });
});
