import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AffinityClient, createTransport } from '../../src/affinity/index.js';
import { getConnection } from '../../src/sync/connections.js';
import { setDestination } from '../../src/sync/destinations.js';
import { LOCAL_ADMIN } from '../../src/sync/roles.js';
import {
  expectAccessible,
  expectNoHorizontalScroll,
  launchBrowser,
  newContext,
  signIn,
  viewports,
} from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** PNGs of the screen's states for a person to look at, when `SEARCH_SCREENSHOTS` names a folder. */
const shots = process.env.SEARCH_SCREENSHOTS;
async function shot(page: Page, name: string): Promise<void> {
  if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

interface SavedSearchJson {
  id: number;
  name: string;
}

/** The organizations the emulator's workspace holds with one of these domains. */
function organizationsWith(server: TestServer, domains: string[]): string[] {
  const rows = (server.emulator.exportState().tables.organizations ?? []) as Array<{
    domain?: string | null;
    domains?: string[];
  }>;
  const wanted = new Set(domains);
  return rows
    .flatMap((o) => [o.domain ?? '', ...(o.domains ?? [])])
    .filter((d) => wanted.has(d))
    .filter((d, i, all) => all.indexOf(d) === i);
}

describe('search: filter, save, push after a dry run, auto-push', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startTestServer({ dataset: 'demo', jobs: true }),
      launchBrowser(),
    ]);
    // Companies go to Affinity organizations, matched by domain, created when missing.
    const connection = await getConnection(server.store);
    if (!connection) throw new Error('the test server is not connected');
    const client = new AffinityClient({
      transport: createTransport({
        apiKey: server.emulator.apiKey,
        baseUrl: server.emulator.url,
        ratePerMinute: 100_000,
      }),
    });
    const saved = await setDestination(server.store, client, connection.id, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      match: 'domain',
      mode: 'create-update',
      map: [],
    });
    if (saved.code !== 'saved') throw new Error(`no company destination: ${JSON.stringify(saved)}`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('filters companies, saves the search, and pushes it after its dry run: Affinity then holds them', async () => {
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await signIn(page, server.admin.email, server.admin.password);
    await page.goto('/search');
    await page.getByRole('heading', { name: 'Companies found' }).waitFor();
    await expect.poll(() => page.getByTestId('results-total').textContent()).toMatch(/^[\d,]+ results$/);
    const everything = Number((await page.getByTestId('results-total').textContent())?.replace(/\D/g, ''));

    // Filter: one industry, one stage, a headcount floor; the URL holds the search.
    const industry = page.getByRole('combobox', { name: 'Industry' });
    await industry.fill('Fintech');
    await industry.press('Enter');
    const stage = page.getByRole('combobox', { name: 'Stage' });
    await stage.fill('Seed');
    await stage.press('Enter');
    await page.getByRole('button', { name: /^More filters/ }).click();
    await page.getByLabel('Headcount from').fill('28');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/f=industry%3DFintech/);
    await expect
      .poll(async () => Number((await page.getByTestId('results-total').textContent())?.replace(/\D/g, '')))
      .toBeLessThan(everything);
    const total = Number((await page.getByTestId('results-total').textContent())?.replace(/\D/g, ''));
    expect(total).toBeGreaterThan(0);
    const api = await server.fetch<{ total: number; results: Array<{ domain: string; stage: string }> }>(
      '/api/search?entity=companies&filter=industry%3DFintech&filter=stage%3DSeed&filter=headcount%3E%3D28&limit=1000',
    );
    expect(api.json.total).toBe(total);
    expect(new Set(api.json.results.map((r) => r.stage))).toEqual(new Set(['Seed']));
    await expectAccessible(page, 'the search screen with results');
    await shot(page, 'search');

    // Save it.
    await page.getByRole('button', { name: 'Save search' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('Seed fintech');
    await page.getByRole('dialog').getByRole('button', { name: 'Save search' }).click();
    await page.getByRole('heading', { name: 'Saved search "Seed fintech"' }).waitFor();
    const list = await server.fetch<{ savedSearches: SavedSearchJson[] }>('/api/saved-searches');
    const savedSearch = list.json.savedSearches.find((s) => s.name === 'Seed fintech');
    expect(savedSearch).toBeDefined();

    // Push it: the dry run first, with each record's writes and the cost.
    await page.getByRole('button', { name: 'Push Seed fintech' }).click();
    const dialog = page.getByRole('dialog', { name: /Push the saved search "Seed fintech"/ });
    await dialog.getByRole('heading', { name: /^Dry run: \d+ records? \(companies\)/ }).waitFor();
    await expect.poll(() => dialog.textContent()).toMatch(/Cost: \d+ API calls?/);
    const planned = await server.fetch<{
      plans: Array<{ report?: { plan: { counts: Record<string, number>; apiCalls: number } } }>;
    }>('/api/push/plan', { method: 'POST', body: { selection: { search: 'Seed fintech' } } });
    const counts = planned.json.plans[0]?.report?.plan.counts ?? {};
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(total);
    expect(counts.create ?? 0).toBeGreaterThan(0);
    await expect
      .poll(() => dialog.getByRole('table', { name: 'Planned writes per company' }).getByRole('row').count())
      .toBe(Math.min(total, 50) + 1);
    await expectAccessible(page, 'the push dialog with its plan');
    await shot(page, 'push-plan');

    // Push: the run goes to its end, and the emulator holds every company of the search.
    await dialog.getByRole('button', { name: 'Push', exact: true }).click();
    const result = dialog.getByTestId('push-result');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.textContent()).toMatch(
      new RegExp(
        `Created ${counts.create ?? 0} \\(planned ${counts.create ?? 0}\\), updated ${counts.update ?? 0}`,
      ),
    );
    const domains = api.json.results.map((r) => r.domain);
    expect(organizationsWith(server, domains).sort()).toEqual([...domains].sort());
    await expect(
      dialog.getByRole('link', { name: /See every record of push #\d+ in Activity/ }).getAttribute('href'),
    ).resolves.toMatch(/^\/integrations\/activity\/\d+$/);
    await expectAccessible(page, 'the push dialog after the run');
    await shot(page, 'push-done');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    // Mark the saved search auto-push: the API then lists it among the auto-push targets.
    const autoPush = page.getByRole('switch', { name: 'Auto-push Seed fintech' });
    await autoPush.click();
    await expect
      .poll(async () => {
        const usage = await server.fetch<{ autoPush: Array<{ kind: string; id: number }> }>('/api/usage');
        return usage.json.autoPush.some((t) => t.kind === 'search' && t.id === savedSearch?.id);
      })
      .toBe(true);
    await expect.poll(() => autoPush.isChecked()).toBe(true);
    await context.close();
  });

  it('lets a member push one selected record, and fits a phone', async () => {
    const context = await newContext(browser, server.url, viewports.phone);
    const page = await context.newPage();
    await signIn(page, server.member.email, server.member.password);
    await page.goto('/search?entity=companies&f=industry%3DClimate&sort=name');
    await page.getByRole('heading', { name: 'Companies found' }).waitFor();
    await page.getByRole('table').getByRole('checkbox').nth(1).waitFor();
    await expectNoHorizontalScroll(page, 'the search screen on a phone');
    await expectAccessible(page, 'the search screen on a phone');
    await shot(page, 'search-phone');

    const first = page.getByRole('table').getByRole('row').nth(1);
    const name =
      (await first.getByRole('checkbox').getAttribute('aria-label'))?.replace(/^Select /, '') ?? '';
    await first.getByRole('checkbox').check();
    await page.getByText('1 selected').waitFor();
    await page.getByRole('button', { name: 'Push selection' }).click();
    const dialog = page.getByRole('dialog', { name: `Push ${name} to Affinity` });
    await dialog.getByRole('heading', { name: 'Dry run: 1 record (companies)' }).waitFor();
    await expectNoHorizontalScroll(page, 'the push dialog on a phone');
    await dialog.getByRole('button', { name: 'Push', exact: true }).click();
    const result = dialog.getByTestId('push-result');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.textContent()).toMatch(/^The push finished/);
    expect(await result.textContent()).toMatch(/failed 0/);
    const runs = await server.fetch<{ runs: Array<{ kind: string; actor: string; status: string }> }>(
      '/api/runs?kind=push',
    );
    expect(runs.json.runs.some((r) => r.status === 'succeeded' && r.actor.includes('member'))).toBe(true);
    await shot(page, 'push-phone');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    // The selection becomes a list of ours, opened to its members.
    await page.getByRole('button', { name: 'Add to list' }).click();
    const addDialog = page.getByRole('dialog', { name: 'Add 1 selected to a list' });
    await addDialog.getByLabel('List name').fill('Climate picks');
    await addDialog.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('heading', { name: 'List "Climate picks"' }).waitFor();
    const lists = await server.fetch<{ lists: Array<{ name: string; size: number; entity: string }> }>(
      '/api/lists',
      { token: server.member.token },
    );
    expect(lists.json.lists.find((l) => l.name === 'Climate picks')).toMatchObject({
      size: 1,
      entity: 'companies',
    });
    await page
      .getByRole('table', { name: 'List "Climate picks"' })
      .getByRole('row', { name: new RegExp(name) })
      .waitFor();
    await context.close();
  });
});
