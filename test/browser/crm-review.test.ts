import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { importRecords } from '../../src/intelligence/index.js';
import {
  expectAccessible,
  expectNoHorizontalScroll,
  launchBrowser,
  newContext,
  signIn,
  viewports,
} from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * My CRM and Review in Chromium, over a real pull of the emulator's demo workspace into a store
 * holding the demo dataset: My CRM shows the API's growth order, filters by a pulled list and
 * draws each company's signals with their trend in words; Review settles records by linking one to
 * a candidate, creating one and ignoring one, and a second pull keeps every decision.
 */

interface CrmJson {
  counts: { records: number; matching: number; lists: number; ambiguous: number; unmatched: number };
  records: Array<{
    crmId: number;
    name: string;
    lists: string[];
    matchStatus: string;
    reviewDecision: string | null;
    entity: { kind: string; id: number; name: string } | null;
    signals?: { headcount: Array<{ value: number }>; webVisits: Array<{ value: number }> } | null;
  }>;
}
interface ReviewJson {
  counts: { toSettle: number; unmatched: number; ambiguous: number };
  items: Array<{
    crmId: number;
    name: string;
    affinityType: string;
    domains: string[];
    status: string;
    candidates: Array<{ kind: string; id: number; name: string; by: string }>;
  }>;
}

/** The name an ambiguous organization shares with a company and an investor of the dataset. */
const AMBIGUOUS = 'Carter Inc';
/** A company of the dataset a reviewer finds by searching. */
const FOUND = 'Paios';
const LISTS = ['Deal Flow', 'Portfolio', 'Watchlist', 'Founders', 'Deals'];
/** Where PNGs of the screens go when set (to look at them), e.g. `CRM_REVIEW_SHOTS=/tmp/shots`. */
const shots = process.env.CRM_REVIEW_SHOTS;

async function shot(page: Page, name: string): Promise<void> {
  if (!shots) return;
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  await page.screenshot({ path: `${shots}/${name}-top.png` });
}

describe('My CRM and Review in the browser', () => {
  let server: TestServer;
  let browser: Browser;

  /** Pulls the demo lists through the API and waits for the run to finish. */
  async function pullAll(): Promise<void> {
    const started = await server.fetch<{ runId: number }>('/api/pull', {
      method: 'POST',
      body: { lists: LISTS },
    });
    expect(started.status, started.text).toBe(202);
    const status = await vi.waitFor(
      async () => {
        const run = await server.fetch<{ run: { status: string } }>(`/api/runs/${started.json.runId}`);
        if (run.json.run.status === 'queued' || run.json.run.status === 'running')
          throw new Error('still running');
        return run.json.run.status;
      },
      { timeout: 60_000, interval: 200 },
    );
    expect(status).toBe('succeeded');
  }

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startTestServer({ dataset: 'demo', jobs: true }),
      launchBrowser(),
    ]);
    // A company and an investor named like an unmatched Affinity organization, on other domains:
    // the name is shared, the evidence is not, so that organization becomes ambiguous.
    const at = (record: Record<string, unknown>) => [{ row: 1, line: 1, record }];
    await importRecords(
      server.store,
      'companies',
      at({ name: AMBIGUOUS, domain: 'carter-robotics.com', headcount: 42, stage: 'Seed' }),
    );
    await importRecords(server.store, 'investors', at({ name: AMBIGUOUS, domain: 'carter.vc', type: 'vc' }));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('before any pull, both screens send the person to set up a pull', async () => {
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await signIn(page, server.member.email, server.member.password);
    await page.goto('/crm');
    await page.getByRole('heading', { name: 'Nothing pulled yet' }).waitFor();
    expect(await page.getByRole('link', { name: 'Set up a pull' }).getAttribute('href')).toBe(
      '/integrations/pull',
    );
    await expectAccessible(page, 'My CRM before a pull');
    await page.goto('/review');
    await page.getByRole('heading', { name: 'Nothing pulled yet' }).waitFor();
    await context.close();
  });

  describe('after a pull of the demo lists', () => {
    beforeAll(async () => {
      await pullAll();
    });

    it('My CRM shows the API ranking, filters by a pulled list, re-ranks, and draws the signals', async () => {
      const context = await newContext(browser, server.url);
      const page = await context.newPage();
      await signIn(page, server.member.email, server.member.password);
      await page.goto('/crm');
      const table = page.getByRole('table', { name: 'My CRM records' });
      const rows = table.locator('tbody tr');
      const idsShown = async (n: number) => {
        const ids: number[] = [];
        for (let i = 0; i < n; i++) ids.push(Number(await rows.nth(i).getAttribute('data-crm-id')));
        return ids;
      };

      const api = (await server.fetch<CrmJson>('/api/crm?limit=5')).json;
      await rows.nth(4).waitFor();
      expect(await idsShown(5)).toEqual(api.records.map((r) => r.crmId));
      for (const [i, r] of api.records.entries())
        await expect.poll(() => rows.nth(i).textContent()).toContain(r.name);
      await expect
        .poll(() => page.getByText(`of ${api.counts.records.toLocaleString('en-US')}`).count())
        .toBe(1);

      // Each chart is named by its trend in words, computed from the record's own series.
      const top = api.records[0];
      const series = top?.signals?.headcount ?? [];
      expect(series.length).toBeGreaterThan(1);
      const first = series[0]?.value ?? 0;
      const last = series.at(-1)?.value ?? 0;
      const headcount = rows.nth(0).getByRole('img', { name: /^Headcount / });
      const name = await headcount.getAttribute('aria-label');
      expect(name).toMatch(new RegExp(`^Headcount ${first} → ${last} \\(\\+\\d+%\\) over 12 months$`));
      await rows
        .nth(0)
        .getByRole('img', { name: /^Web visits [\d,]+ → [\d,]+ .* over 12 months$/ })
        .waitFor();
      expect(await table.getByRole('img', { name: /^Headcount / }).count()).toBeGreaterThanOrEqual(5);
      // The drawing itself is there: a path per chart.
      expect(await headcount.locator('svg path').count()).toBeGreaterThan(0);
      await shot(page, 'crm-desktop');
      await expectAccessible(page, 'My CRM with charts');

      // Filter by a pulled list: the rows become that list's, in the API's order, and the address keeps it.
      await page.getByRole('combobox', { name: 'Pulled list' }).click();
      await page.getByRole('option', { name: 'Portfolio' }).click();
      await page.waitForURL(/[?&]list=Portfolio/);
      const portfolio = (await server.fetch<CrmJson>('/api/crm?limit=5&list=Portfolio&signals=false')).json;
      await expect.poll(() => idsShown(5)).toEqual(portfolio.records.map((r) => r.crmId));
      for (let i = 0; i < 5; i++) expect(await rows.nth(i).textContent()).toContain('Portfolio');
      expect(portfolio.counts.matching).toBeLessThan(portfolio.counts.records);
      await expect.poll(() => page.getByText(`of ${portfolio.counts.matching} on Portfolio`).count()).toBe(1);

      // Rank by name instead, then page on: still the API's order.
      await page.getByRole('combobox', { name: 'Rank by' }).click();
      await page.getByRole('option', { name: 'Name (A–Z)' }).click();
      await page.waitForURL(/sort=name/);
      const byName = (await server.fetch<CrmJson>('/api/crm?limit=25&list=Portfolio&sort=name&signals=false'))
        .json;
      await expect.poll(() => idsShown(3)).toEqual(byName.records.slice(0, 3).map((r) => r.crmId));
      await page.getByRole('button', { name: 'Page 2' }).click();
      await page.waitForURL(/page=2/);
      const page2 = (
        await server.fetch<CrmJson>('/api/crm?limit=25&offset=25&list=Portfolio&sort=name&signals=false')
      ).json;
      await expect.poll(() => idsShown(3)).toEqual(page2.records.slice(0, 3).map((r) => r.crmId));
      await context.close();
    });

    it('My CRM fits a phone as cards with their charts', async () => {
      const context = await newContext(browser, server.url, viewports.phone);
      const page = await context.newPage();
      await signIn(page, server.member.email, server.member.password);
      await page.goto('/crm?list=Deal%20Flow');
      const cards = page.getByRole('list', { name: 'My CRM records' }).getByRole('listitem');
      await cards.nth(2).waitFor();
      const api = (await server.fetch<CrmJson>('/api/crm?limit=3&list=Deal%20Flow&signals=false')).json;
      for (const [i, r] of api.records.entries()) expect(await cards.nth(i).textContent()).toContain(r.name);
      await cards
        .nth(0)
        .getByRole('img', { name: /^Headcount .* over 12 months$/ })
        .waitFor();
      await expectNoHorizontalScroll(page, 'My CRM on a phone');
      await expectAccessible(page, 'My CRM on a phone');
      await shot(page, 'crm-phone');
      await context.close();
    });

    it('Review links one record to a candidate and one to a record found by search, creates one, ignores one, shows a refusal, and a second pull keeps them', async () => {
      const context = await newContext(browser, server.url);
      const page = await context.newPage();
      await signIn(page, server.member.email, server.member.password);
      const before = (await server.fetch<ReviewJson>('/api/review?limit=1000')).json;
      expect(before.counts.ambiguous).toBe(1);
      const ambiguous = before.items[0];
      expect(ambiguous).toMatchObject({ name: AMBIGUOUS, status: 'ambiguous' });
      const candidate = ambiguous?.candidates.find((c) => c.kind === 'company');
      if (!ambiguous || !candidate) throw new Error('expected an ambiguous record with a company candidate');
      const orgs = before.items.filter((i) => i.affinityType === 'organization' && i.status === 'unmatched');
      const toCreate = orgs.find((i) => i.domains.length > 0);
      const toIgnore = orgs.find((i) => i !== toCreate && i.domains.length > 0);
      const toFind = orgs.find((i) => i !== toCreate && i !== toIgnore && i.domains.length > 0);
      const noDomain = orgs.find((i) => i.domains.length === 0);
      if (!toCreate || !toIgnore || !toFind || !noDomain)
        throw new Error('expected unmatched organizations to settle');

      await page.goto('/review');
      const card = (name: string) => page.getByRole('listitem', { name });
      await card(AMBIGUOUS).waitFor();
      // The Affinity record and its candidates side by side, with why each is a candidate.
      await expect.poll(() => card(AMBIGUOUS).textContent()).toMatch(/In Affinity.*Candidates in our data/);
      expect(await card(AMBIGUOUS).textContent()).toContain('same name');
      await expectCount(page, 'To settle', before.counts.toSettle);
      await shot(page, 'review-desktop');
      await expectAccessible(page, 'Review');

      // Link to a candidate.
      await card(AMBIGUOUS)
        .getByRole('button', { name: `Link to company ${candidate.name}` })
        .click();
      await card(AMBIGUOUS).waitFor({ state: 'detached' });
      await expectCount(page, 'To settle', before.counts.toSettle - 1);

      // Create from an unmatched record (it may be on another page of the queue: use the list filter).
      const openCard = async (item: { name: string; crmId: number }) => {
        const pageOf = Math.floor(
          (await server.fetch<ReviewJson>('/api/review?limit=1000')).json.items.findIndex(
            (i) => i.crmId === item.crmId,
          ) / 10,
        );
        await page.goto(pageOf > 0 ? `/review?page=${pageOf + 1}` : '/review');
        await card(item.name).waitFor();
        return card(item.name);
      };
      await (await openCard(toCreate)).getByRole('button', { name: 'Create company' }).click();
      await card(toCreate.name).waitFor({ state: 'detached' });
      await (await openCard(toIgnore)).getByRole('button', { name: 'Ignore' }).click();
      await card(toIgnore.name).waitFor({ state: 'detached' });

      // Link to a record found by searching our data.
      const finder = await openCard(toFind);
      await finder.getByRole('button', { name: 'Find in our data…' }).click();
      await finder.getByRole('textbox', { name: 'Find in our data' }).fill(FOUND);
      await finder.getByRole('button', { name: 'Search', exact: true }).click();
      await finder.getByRole('button', { name: `Link to company ${FOUND}`, exact: true }).click();
      await card(toFind.name).waitFor({ state: 'detached' });
      await expectCount(page, 'To settle', before.counts.toSettle - 4);

      // A record the API cannot create from: its refusal is shown on the card, which stays.
      const refused = await openCard(noDomain);
      await refused.getByRole('button', { name: 'Create company' }).click();
      const alert = refused.getByRole('alert');
      await alert.waitFor();
      const direct = await server.fetch<{ error: { message: string } }>(
        `/api/review/${noDomain.crmId}/decision`,
        {
          method: 'POST',
          body: { decision: 'create', as: 'company' },
        },
      );
      expect(direct.status).toBe(409);
      expect(await alert.textContent()).toContain(direct.json.error.message);
      await shot(page, 'review-refused');

      // The API agrees: three records left the queue, each with its decision.
      const settled = async () => {
        const queue = (await server.fetch<ReviewJson>('/api/review?limit=1000')).json;
        const crm = (await server.fetch<CrmJson>('/api/crm?limit=100000&signals=false')).json;
        const of = (id: number) => crm.records.find((r) => r.crmId === id);
        const ids = queue.items.map((i) => i.crmId);
        expect(ids).not.toContain(ambiguous.crmId);
        expect(ids).not.toContain(toCreate.crmId);
        expect(ids).not.toContain(toIgnore.crmId);
        expect(ids).not.toContain(toFind.crmId);
        expect(ids).toContain(noDomain.crmId);
        expect(queue.counts.toSettle).toBe(before.counts.toSettle - 4);
        expect(of(ambiguous.crmId)).toMatchObject({
          matchStatus: 'matched',
          entity: { kind: 'company', id: candidate.id },
        });
        expect(of(toCreate.crmId)).toMatchObject({ matchStatus: 'matched', entity: { kind: 'company' } });
        expect(of(toIgnore.crmId)?.reviewDecision).toBe('ignored');
        expect(of(toFind.crmId)).toMatchObject({
          matchStatus: 'matched',
          entity: { kind: 'company', name: FOUND },
        });
      };
      await settled();
      await pullAll();
      await settled();
      await page.goto('/review');
      await expectCount(page, 'To settle', before.counts.toSettle - 4);
      await context.close();
    });

    it('Review fits a phone', async () => {
      const context = await newContext(browser, server.url, viewports.phone);
      const page = await context.newPage();
      await signIn(page, server.member.email, server.member.password);
      await page.goto('/review');
      await page.getByRole('list', { name: 'Records to review' }).getByRole('listitem').first().waitFor();
      await expectNoHorizontalScroll(page, 'Review on a phone');
      await expectAccessible(page, 'Review on a phone');
      await shot(page, 'review-phone');
      await context.close();
    });
  });
});

/** Waits until the count card labelled `label` shows `value`. */
async function expectCount(page: Page, label: string, value: number): Promise<void> {
  await expect
    .poll(async () => (await page.getByTestId(`count-${label}`).textContent())?.replace(/\D/g, ''))
    .toBe(String(value));
}
