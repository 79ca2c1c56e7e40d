import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { referenceExamples as ex } from './reference-examples.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('opportunities', () => {
  it('search and iterate', async () => {
    h.server.on('GET', '/opportunities', { json: ex.searchOpportunities });
    const page = await h.client.opportunities.search({ term: 'affinity', page_size: 2, page_token: 'x' });
    expect(h.server.last().rawQuery).toBe('term=affinity&page_size=2&page_token=x');
    expect(page).toEqual(ex.searchOpportunities);

    h.server.on('GET', '/opportunities', {
      json: { opportunities: page.opportunities, next_page_token: null },
    });
    const names: string[] = [];
    for await (const o of h.client.opportunities.iterate({ term: 'affinity' })) names.push(o.name);
    expect(names).toEqual(['Affinity Opportunity', 'Affinity Opportunity 2']);
  });

  it('get; the resource example parses', async () => {
    h.server.on('GET', '/opportunities/117', { json: ex.getOpportunity }, { json: ex.opportunityResource });
    expect(await h.client.opportunities.get(117)).toEqual(ex.getOpportunity);
    expect(await h.client.opportunities.get(117)).toEqual(ex.opportunityResource);
  });

  it('create sends the list; update uses PUT; delete', async () => {
    h.server.on('POST', '/opportunities', { json: ex.createOpportunity });
    const created = await h.client.opportunities.create({
      name: 'Penny Opportunity',
      list_id: 6645,
      person_ids: [38706],
      organization_ids: [21442],
    });
    expect(h.server.lastJson()).toEqual({
      name: 'Penny Opportunity',
      list_id: 6645,
      person_ids: [38706],
      organization_ids: [21442],
    });
    expect(created).toEqual(ex.createOpportunity);

    h.server.on('PUT', '/opportunities/120611418', { json: ex.updateOpportunity });
    const updated = await h.client.opportunities.update(120611418, {
      name: 'Penny Opp',
      person_ids: [38706, 89734],
    });
    expect(h.server.last().method).toBe('PUT');
    expect(h.server.lastJson()).toEqual({ name: 'Penny Opp', person_ids: [38706, 89734] });
    expect(updated).toEqual(ex.updateOpportunity);

    h.server.on('DELETE', '/opportunities/120611418', { json: ex.success });
    expect(await h.client.opportunities.delete(120611418)).toEqual({ success: true });
  });

  it('a create answer without person_ids and organization_ids parses', async () => {
    const bare = { id: 5, name: 'Bare', list_entries: [] };
    h.server.on('POST', '/opportunities', { json: bare });
    expect(await h.client.opportunities.create({ name: 'Bare', list_id: 1 })).toEqual(bare);
    expect(h.server.lastJson()).toEqual({ name: 'Bare', list_id: 1 });
  });
});
