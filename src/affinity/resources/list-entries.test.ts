import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { referenceExamples as ex } from './reference-examples.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('list entries', () => {
  it('without page_size: one call, bare array of every entry', async () => {
    h.server.on('GET', '/lists/450/list-entries', { json: ex.getAllListEntries });
    const entries = await h.client.listEntries.all(450);
    const req = h.server.last();
    expect(req.path).toBe('/lists/450/list-entries');
    expect(req.rawQuery).toBe('');
    expect(entries).toEqual(ex.getAllListEntries);
  });

  it('parses entries whose entity is an opportunity or an organization (use cases)', async () => {
    h.server.on('GET', '/lists/12058/list-entries', { json: ex.useCaseOrganizationListEntries });
    const orgs = await h.client.listEntries.all(12058);
    expect(orgs).toEqual(ex.useCaseOrganizationListEntries);
    expect(orgs[0]?.entity).toMatchObject({ domain: 'affinity.co', crunchbase_uuid: null });
    h.server.on('GET', '/lists/113859/list-entries', { json: ex.useCaseListEntries });
    expect(await h.client.listEntries.all(113859)).toEqual(ex.useCaseListEntries);
  });

  it('with page_size: sends page_size and page_token, parses the page', async () => {
    h.server.on('GET', '/lists/450/list-entries', { json: ex.getListEntriesPage });
    const page = await h.client.listEntries.page(450, { page_size: 2, page_token: 'abc=' });
    expect(h.server.last().rawQuery).toBe('page_size=2&page_token=abc%3D');
    expect(page).toEqual(ex.getListEntriesPage);
  });

  it('iterate walks the pages until next_page_token is null', async () => {
    const [first, second] = ex.getListEntriesPage.list_entries;
    h.server.on(
      'GET',
      '/lists/9/list-entries',
      { json: { list_entries: [first], next_page_token: 'tok-1' } },
      { json: { list_entries: [], next_page_token: 'tok-2' } },
      { json: { list_entries: [second], next_page_token: null } },
    );
    const before = h.server.requests.length;
    const ids: number[] = [];
    for await (const entry of h.client.listEntries.iterate(9, { page_size: 1 })) ids.push(entry.id);
    expect(ids).toEqual([64608, 53510]);
    const sent = h.server.requests.slice(before).map((r) => r.rawQuery);
    expect(sent).toEqual(['page_size=1', 'page_size=1&page_token=tok-1', 'page_size=1&page_token=tok-2']);
  });

  it('iterate defaults to 500 per page', async () => {
    h.server.on('GET', '/lists/10/list-entries', { json: { list_entries: [], next_page_token: null } });
    const pages = [];
    for await (const page of h.client.listEntries.pages(10)) pages.push(page);
    expect(h.server.last().rawQuery).toBe('page_size=500');
    expect(pages).toEqual([{ items: [], nextPageToken: null }]);
  });

  it('GET one entry', async () => {
    h.server.on('GET', '/lists/450/list-entries/16367', { json: ex.getListEntry });
    expect(await h.client.listEntries.get(450, 16367)).toEqual(ex.getListEntry);
    expect(h.server.last().path).toBe('/lists/450/list-entries/16367');
  });

  it('the list entry resource example parses', async () => {
    h.server.on('GET', '/lists/450/list-entries/16367', { json: ex.listEntryResource });
    expect(await h.client.listEntries.get(450, 16367)).toEqual(ex.listEntryResource);
  });

  it('POST creates an entry with entity_id (and creator_id when given)', async () => {
    h.server.on('POST', '/lists/450/list-entries', { json: ex.createListEntry });
    const created = await h.client.listEntries.create(450, { entity_id: 38706 });
    expect(h.server.last().contentType).toBe('application/json');
    expect(h.server.lastJson()).toEqual({ entity_id: 38706 });
    expect(created).toEqual(ex.createListEntry);
    await h.client.listEntries.create(450, { entity_id: 38706, creator_id: 5 });
    expect(h.server.lastJson()).toEqual({ entity_id: 38706, creator_id: 5 });
  });

  it('DELETE an entry', async () => {
    h.server.on('DELETE', '/lists/450/list-entries/56517', { json: ex.success });
    expect(await h.client.listEntries.delete(450, 56517)).toEqual({ success: true });
    expect(h.server.last().method).toBe('DELETE');
  });

  it('rejects page_size 0 before sending', async () => {
    const before = h.server.requests.length;
    await expect(h.client.listEntries.page(450, { page_size: 0 })).rejects.toThrow(/page_size/);
    expect(h.server.requests.length).toBe(before);
  });
});
