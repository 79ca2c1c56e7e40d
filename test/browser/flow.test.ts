import { mkdirSync, rmSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectAccessible,
  expectNoHorizontalScroll,
  launchBrowser,
  newContext,
  signIn,
  viewports,
} from '../support/browser.js';
import { demoDataDir } from '../support/demo-store.js';
import { type ServeProcess, startServe } from '../support/serve-process.js';

/**
 * The seed's whole flow, screen by screen, in Chromium against `affinity-sync serve --demo` (what
 * `npm start` runs) with its built-in Affinity: sign in as the admin → connect → add destinations
 * for companies, people and investors (a wrong type refused inline) → save → pull three lists →
 * counts and review items → push a saved search after its dry run → the run's More info → complete
 * setup; then as a member: connect is refused, a push is allowed.
 *
 * With `SCREENSHOTS=DIR` (what `npm run screenshots` sets) it also writes a PNG of every screen.
 */

const shotsDir = process.env.SCREENSHOTS;
if (shotsDir) mkdirSync(shotsDir, { recursive: true });

async function shot(page: Page, name: string): Promise<void> {
  if (!shotsDir) return;
  // Charts and fonts settle after the data: wait for the network to go quiet first.
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.screenshot({ path: `${shotsDir}/${name}.png`, fullPage: true });
}

interface DemoStart {
  url: string;
  demo: {
    affinity: { url: string; apiKey: string } | null;
    admin: { email: string; password: string } | null;
  };
}

describe("the seed's flow in a browser, against serve --demo", () => {
  let serve: ServeProcess;
  let dataDir: string;
  let start: DemoStart;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let token: string;

  /** The API as the admin, with a personal token (no cookie, no CSRF). */
  async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const res = await fetch(`${start.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  beforeAll(async () => {
    dataDir = await demoDataDir();
    serve = startServe(['--demo', '--port', '0', '--json', '--data-dir', dataDir]);
    [start, browser] = await Promise.all([
      serve.output.then((out) => JSON.parse(out) as DemoStart),
      launchBrowser(),
    ]);
    admin = await newContext(browser, start.url);
    page = await admin.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    serve?.child.kill('SIGTERM');
    await serve?.exit;
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
  });

  it('signs in as the demo admin and makes an API token for the checks below', async () => {
    await page.goto('/sign-in');
    await shot(page, '01-sign-in');
    await signIn(page, start.demo.admin!.email, start.demo.admin!.password);
    const made = await page.evaluate<{ token: string }>(
      `fetch('/api/auth/me').then((r) => r.json()).then((me) => fetch('/api/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify({ name: 'flow checks' }),
      })).then((r) => r.json())`,
    );
    token = made.token;
    expect(token).toMatch(/^as_/);
    await page.waitForURL(/\/integrations$/);
    await shot(page, '02-integrations-not-connected');
    await expectAccessible(page, 'the Integrations hub, not connected');
  });

  it('step 2: connects the built-in Affinity after verifying the key, and lands on the Push Setup wizard', async () => {
    await page.getByRole('link', { name: 'Connect', exact: true }).click();
    await page.waitForURL(/\/integrations\/connect$/);
    await page.getByLabel('Affinity API key').fill(start.demo.affinity!.apiKey);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('verified-key').getByText('Emulated Affinity', { exact: false }).first().waitFor();
    await page.getByText('Creating and updating records in Affinity').waitFor();
    await shot(page, '03-connect-verified');
    await expectAccessible(page, 'Connect after Verify');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\/integrations\/push$/);
    const connection = await api<{ connected: boolean; workspace: { baseUrl: string } | null }>(
      '/api/connection',
    );
    expect(connection.workspace?.baseUrl).toBe(start.demo.affinity!.url);
  });

  it('steps 3–8: adds destinations for companies, people and investors; a wrong type is refused inline before saving', async () => {
    await page.getByRole('button', { name: 'Add Destination for Companies' }).click();
    const companies = page.getByRole('dialog', { name: 'Companies: Add Destination' });
    const field = (label: string) => companies.getByLabel(`Affinity field for ${label}`, { exact: true });
    await field('Description').selectOption({ label: 'Description — text' });
    await field('Last funding date').selectOption({ label: 'Website — text' });
    await companies
      .getByText('cannot map last_funding_date (date) to field "Website" (text): a date needs a date field', {
        exact: true,
      })
      .waitFor();
    await shot(page, '04-push-setup-wrong-type');
    await field('Last funding date').selectOption({ label: 'Last Funding Date — date' });
    await companies.getByText('✓ Checked: 2 fields mapped, every choice fits').waitFor();
    await companies.getByRole('button', { name: 'Save Mapping' }).click();
    await companies.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Add Destination for People' }).click();
    const people = page.getByRole('dialog', { name: 'People: Add Destination' });
    await people
      .getByLabel('Affinity field for LinkedIn URL', { exact: true })
      .selectOption({ label: 'LinkedIn URL — text' });
    await people.getByText('✓ Checked: 1 field mapped, every choice fits').waitFor();
    await people.getByRole('button', { name: 'Save Mapping' }).click();
    await people.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Add Destination for Investors' }).click();
    const investors = page.getByRole('dialog', { name: 'Investors: Add Destination' });
    await investors.getByLabel('Affinity Record Type').selectOption({ label: 'Deals (Recommend)' });
    await investors
      .getByLabel('Affinity list', { exact: true })
      .selectOption({ label: 'Deals (100 entries)' });
    await investors.getByRole('button', { name: 'Save Mapping' }).click();
    await investors.waitFor({ state: 'hidden' });

    const saved = await api<{
      destinations: Array<{ entityKind: string; recordType: string; mappings: unknown[] }>;
    }>('/api/destinations');
    expect(saved.destinations.map((d) => [d.entityKind, d.recordType, d.mappings.length]).sort()).toEqual([
      ['company', 'organization', 2],
      ['investor', 'opportunity', 0],
      ['person', 'person', 1],
    ]);
    await shot(page, '05-push-setup-saved');
    await expectAccessible(page, 'the Push Setup wizard with three destinations');
    await page.getByRole('link', { name: 'Continue →' }).click();
    await page.waitForURL(/\/integrations\/pull$/);
  });

  it('step 9: pulls three lists after confirming, then shows the counts and the records awaiting review', async () => {
    for (const name of ['Deal Flow', 'Portfolio', 'Watchlist']) {
      await page.getByRole('checkbox', { name: `Pull ${name}` }).check();
    }
    await expect.poll(() => page.getByTestId('pull-estimate').textContent()).toMatch(/\d+ API calls/);
    await page.getByRole('button', { name: 'Pull Now' }).click();
    const dialog = page.getByRole('dialog', { name: 'Pull these lists?' });
    await dialog.waitFor();
    await shot(page, '06-pull-confirm');
    await dialog.getByRole('button', { name: 'Proceed with Pull' }).click();
    await page.waitForURL(/\/integrations\/pull\?run=\d+/);
    const runId = Number(new URL(page.url()).searchParams.get('run'));
    // The counts come without a reload, once the run has ended.
    const counts = page.getByTestId('pull-counts');
    await counts.waitFor({ timeout: 120_000 });
    const run = await api<{ run: { status: string; counts: Record<string, number> } }>(`/api/runs/${runId}`);
    expect(run.run.status).toBe('succeeded');
    expect(await counts.getByRole('row', { name: /^All lists/ }).textContent()).toContain(
      run.run.counts.matched!.toLocaleString('en-US'),
    );
    const review = await api<{ counts: { toSettle: number } }>('/api/review?limit=1');
    expect(review.counts.toSettle).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId('review-count').textContent())
      .toBe(`${review.counts.toSettle} records await review`);
    await shot(page, '07-pull-done');
    await expectAccessible(page, 'Pull Setup after the pull');
  });

  it('My CRM ranks the pulled records by growth, and Review shows the unmatched ones', async () => {
    await page.goto('/crm');
    const crm = await api<{ records: Array<{ name: string }> }>('/api/crm?limit=5');
    expect(crm.records.length).toBeGreaterThan(0);
    await page.getByText(crm.records[0]!.name, { exact: true }).first().waitFor();
    await shot(page, '08-my-crm');
    await expectAccessible(page, 'My CRM');
    await page.goto('/review');
    await page.getByRole('heading', { name: 'Review', level: 2 }).waitFor();
    await page
      .getByRole('button', { name: /^Ignore/ })
      .first()
      .waitFor();
    await shot(page, '09-review');
    await expectAccessible(page, 'Review');
  });

  it("pushes a saved search after its dry run, then opens the run's More Info with its steps and records", async () => {
    await page.goto('/search?entity=companies&f=industry%3DFintech&f=stage%3DSeed&sort=name');
    await page.getByRole('heading', { name: 'Companies found' }).waitFor();
    await expect.poll(() => page.getByTestId('results-total').textContent()).toMatch(/^[\d,]+ results?$/);
    await page.getByRole('button', { name: 'Save search' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('Fintech');
    await page.getByRole('dialog').getByRole('button', { name: 'Save search' }).click();
    await page.getByRole('heading', { name: 'Saved search "Fintech"' }).waitFor();
    await shot(page, '10-search');

    await page.getByRole('button', { name: 'Push Fintech' }).click();
    const dialog = page.getByRole('dialog', { name: /Push the saved search "Fintech"/ });
    await dialog.getByRole('heading', { name: /^Dry run: \d+ records? \(companies\)/ }).waitFor();
    await expect.poll(() => dialog.textContent()).toMatch(/Cost: \d+ API calls?/);
    await shot(page, '11-push-dry-run');
    await expectAccessible(page, 'the push dialog with its dry run');
    await dialog.getByRole('button', { name: 'Push', exact: true }).click();
    const result = dialog.getByTestId('push-result');
    await result.waitFor({ timeout: 120_000 });
    expect(await result.textContent()).toMatch(/^The push finished/);
    await shot(page, '12-push-done');

    const runs = await api<{ runs: Array<{ id: number; kind: string; status: string; dryRun: boolean }> }>(
      '/api/runs?kind=push',
    );
    const push = runs.runs.find((r) => !r.dryRun);
    expect(push?.status).toMatch(/^(succeeded|partial)$/);
    await dialog.getByRole('link', { name: /See every record of push #\d+ in Activity/ }).click();
    await page.waitForURL(new RegExp(`/integrations/activity/${push!.id}$`));
    const detail = await api<{ steps: Array<{ name: string }> }>(`/api/runs/${push!.id}`);
    expect(detail.steps.length).toBeGreaterThan(0);
    // The timeline names each step as a sentence ("Matching", "Creating"…).
    for (const step of detail.steps) {
      const name = new RegExp(`^${step.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i');
      await page.getByText(name).first().waitFor();
    }
    await page.getByTestId('run-records').getByRole('row').nth(1).waitFor();
    await shot(page, '13-run-more-info');
    await expectAccessible(page, "the run's More Info");
  });

  it("steps 10–11: the activity log lists the runs; Complete Setup says You're Live", async () => {
    await page.goto('/integrations/activity');
    await page
      .getByRole('link', { name: /More Info/ })
      .first()
      .waitFor();
    await shot(page, '14-activity');
    await expectAccessible(page, 'Integration Activity');
    await page.getByRole('link', { name: 'Complete Setup' }).click();
    await page.waitForURL(/\/integrations\/live$/);
    await page.getByRole('heading', { name: "You're Live!" }).waitFor();
    await shot(page, '15-live');
    await page.goto('/integrations');
    await page.getByText('Connected', { exact: true }).waitFor();
    await shot(page, '16-integrations-connected');
    await expectAccessible(page, 'the Integrations hub, connected');
  });

  it('an admin adds a member, who is refused Connect but may push', async () => {
    await page.goto('/settings/team');
    const password = 'member password 42';
    await api('/api/users', {
      method: 'POST',
      body: { email: 'member@example.com', password, role: 'member' },
    });
    await page.reload();
    await page.getByText('member@example.com').first().waitFor();
    await shot(page, '17-settings-team');

    const member = await newContext(browser, start.url);
    const mpage = await member.newPage();
    await signIn(mpage, 'member@example.com', password);
    await mpage.goto('/integrations/connect');
    await mpage
      .getByRole('heading', { name: 'Only Affinity workspace admins can connect the integration' })
      .waitFor();
    expect(await mpage.getByLabel('Affinity API key').count()).toBe(0);
    await shot(mpage, '18-connect-member');

    await mpage.goto('/search?entity=companies&f=industry%3DClimate&sort=name');
    await mpage.getByRole('heading', { name: 'Companies found' }).waitFor();
    const first = mpage.getByRole('table').getByRole('row').nth(1);
    await first.getByRole('checkbox').check();
    await mpage.getByRole('button', { name: 'Push selection' }).click();
    const dialog = mpage.getByRole('dialog', { name: /^Push .* to Affinity$/ });
    await dialog.getByRole('heading', { name: 'Dry run: 1 record (companies)' }).waitFor();
    await dialog.getByRole('button', { name: 'Push', exact: true }).click();
    const result = dialog.getByTestId('push-result');
    await result.waitFor({ timeout: 120_000 });
    expect(await result.textContent()).toMatch(/failed 0/);
    const runs = await api<{ runs: Array<{ kind: string; actor: string; status: string }> }>(
      '/api/runs?kind=push',
    );
    expect(runs.runs.find((r) => r.actor === 'member@example.com')?.status).toBe('succeeded');
    await member.close();
  });

  it('Settings: schedules, webhooks, usage and account, each its own address', async () => {
    const tabs: Array<[string, string, RegExp]> = [
      ['schedules', '21-settings-schedules', /schedule/i],
      ['webhooks', '22-settings-webhooks', /webhook/i],
      ['usage', '23-settings-usage', /quota|calls/i],
      ['account', '24-settings-account', /password/i],
    ];
    for (const [tab, name, text] of tabs) {
      await page.goto(`/settings/${tab}`);
      await expect
        .poll(() => page.getByRole('tab', { selected: true }).textContent())
        .toMatch(new RegExp(tab, 'i'));
      await page.getByText(text).first().waitFor();
      await shot(page, name);
      await expectAccessible(page, `Settings → ${tab}`);
    }
  });

  it('fits a phone: My CRM and the hub', async () => {
    const phone = await newContext(browser, start.url, viewports.phone);
    const ppage = await phone.newPage();
    await signIn(ppage, start.demo.admin!.email, start.demo.admin!.password);
    await ppage.goto('/crm');
    await ppage.getByRole('heading', { name: 'My CRM', level: 2 }).waitFor();
    await expectNoHorizontalScroll(ppage, 'My CRM on a phone');
    await shot(ppage, '19-phone-my-crm');
    await ppage.goto('/integrations');
    await ppage.getByText('Connected', { exact: true }).waitFor();
    await expectNoHorizontalScroll(ppage, 'the hub on a phone');
    await shot(ppage, '20-phone-integrations');
    await phone.close();
  });
});
