import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail, RunList, RunRecords } from '../../src/app/activity.js';
import {
  expectAccessible,
  expectNoHorizontalScroll,
  launchBrowser,
  newContext,
  signIn,
  viewports,
} from '../support/browser.js';
import { startTestServer, type TestServer, withCompaniesAndDestination } from '../support/server.js';

const shots = process.env.SCREENSHOT_DIR;

async function shot(page: Page, name: string): Promise<void> {
  if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

/** Waits until the run has ended, through the API. */
async function finished(server: TestServer, runId: number): Promise<RunDetail> {
  let detail: RunDetail | undefined;
  await expect
    .poll(
      async () => {
        detail = (await server.fetch<RunDetail>(`/api/runs/${runId}`)).json;
        return detail.run.status;
      },
      { timeout: 60_000, interval: 200 },
    )
    .not.toMatch(/^(queued|running)$/);
  return detail as RunDetail;
}

describe('pull setup, integration activity and a run in detail, in the browser', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startTestServer({ dataset: 'demo', jobs: true }),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('pulls three lists after showing their cost, then shows the counts, the review count and the run in activity', async () => {
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await signIn(page, server.admin.email, server.admin.password);
    await page.goto('/integrations/pull');
    await page.getByRole('heading', { name: 'Pull Setup' }).waitFor();
    // Nothing is configured yet: no list is chosen and Pull Now waits for one.
    await page.getByRole('checkbox', { name: 'Pull Deal Flow' }).waitFor();
    expect(await page.getByRole('button', { name: 'Pull Now' }).isDisabled()).toBe(true);
    await expectAccessible(page, 'pull setup with nothing chosen');

    for (const name of ['Deal Flow', 'Portfolio', 'Watchlist'])
      await page.getByRole('checkbox', { name: `Pull ${name}` }).check();
    const lists = (
      await server.fetch<{ lists: { id: number; name: string }[] }>('/api/workspace/lists')
    ).json.lists.filter((l) => ['Deal Flow', 'Portfolio', 'Watchlist'].includes(l.name));
    const ids = lists.map((l) => l.id);
    const estimate = (
      await server.fetch<{ planned: { calls: number } }>('/api/pull/estimate', {
        method: 'POST',
        body: { lists: ids },
      })
    ).json;
    await expect
      .poll(() => page.getByTestId('pull-estimate').textContent())
      .toContain(`${estimate.planned.calls} API calls`);
    await expectAccessible(page, 'pull setup with an estimate');

    // An admin saves the selection as the pull sources.
    await page.getByRole('button', { name: 'Save as pull sources' }).click();
    await expect
      .poll(async () =>
        (await server.fetch<{ sources: { affinityListId: number }[] }>('/api/pull/sources')).json.sources
          .map((s) => s.affinityListId)
          .sort(),
      )
      .toEqual([...ids].sort());

    await page.getByRole('button', { name: 'Pull Now' }).click();
    const dialog = page.getByRole('dialog', { name: 'Pull these lists?' });
    await dialog.waitFor();
    // Once its opening transition is over, so contrast is checked on the dialog as it settles.
    await page.waitForFunction(
      "[...document.querySelectorAll('.mantine-Modal-content')].every((e) => getComputedStyle(e).opacity === '1')",
    );
    for (const name of ['Deal Flow', 'Portfolio', 'Watchlist']) await dialog.getByText(name).waitFor();
    await expectAccessible(page, 'the pull confirmation');
    await shot(page, 'pull-confirm');
    await dialog.getByRole('button', { name: 'Proceed with Pull' }).click();
    await page.waitForURL(/\/integrations\/pull\?run=\d+/);
    const runId = Number(new URL(page.url()).searchParams.get('run'));
    const detail = await finished(server, runId);
    expect(detail.run.status).toBe('succeeded');

    // The counts arrive without a reload: each list's, then every record once.
    const table = page.getByTestId('pull-counts');
    await table.waitFor();
    for (const step of detail.steps.filter((s) => s.name.startsWith('fetch list '))) {
      const name = step.name.replace(/^fetch list (.*) \(\d+\)$/, '$1');
      const cells = await table
        .getByRole('row', { name: new RegExp(`^${name}`) })
        .getByRole('cell')
        .allTextContents();
      expect(cells).toEqual(
        [step.counts.entries, step.counts.matched, step.counts.ambiguous, step.counts.unmatched].map((n) =>
          (n ?? 0).toLocaleString('en-US'),
        ),
      );
    }
    const total = await table.getByRole('row', { name: /^All lists/ }).textContent();
    expect(total).toContain(String(detail.run.counts.matched));
    const review = (await server.fetch<{ counts: { toSettle: number } }>('/api/review?limit=1')).json;
    expect(review.counts.toSettle).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId('review-count').textContent())
      .toBe(`${review.counts.toSettle} records await review`);
    await page.getByText('Matched records appear in').waitFor();
    await expectAccessible(page, 'pull setup after the pull');
    await shot(page, 'pull-setup');

    // Continue → the activity log lists the run.
    await page.getByRole('link', { name: 'Continue →' }).click();
    await page.waitForURL(/\/integrations\/activity$/);
    const row = page.getByTestId(`run-row-${runId}`);
    await row.waitFor();
    expect(await row.textContent()).toContain('succeeded');
    expect(await row.textContent()).toContain(`${detail.run.apiCalls}`);
    await expectAccessible(page, 'integration activity');
    await shot(page, 'activity');

    // A filter goes into the address and hides what it leaves out.
    await page.getByRole('combobox', { name: 'Kind' }).click();
    await page.getByRole('option', { name: 'Push' }).click();
    await page.waitForURL(/kind=push/);
    await page.getByText('No run matches these filters.').waitFor();
    expect(await row.count()).toBe(0);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await row.waitFor();

    // More Info: the run's steps and its records.
    await row.getByRole('link', { name: /More Info/ }).click();
    await page.waitForURL(new RegExp(`/integrations/activity/${runId}$`));
    await page.getByRole('heading', { name: `Pull #${runId}` }).waitFor();
    for (const name of ['Fetch list Deal Flow', 'Matching'])
      await page.getByText(name, { exact: true }).first().waitFor();
    const all = (await server.fetch<RunRecords>(`/api/runs/${runId}/records?limit=1`)).json;
    await expect.poll(() => page.getByTestId('records-total').textContent()).toBe(`${all.total} records`);
    await expectAccessible(page, 'a pull in detail');
    await shot(page, 'run-detail-pull');

    await page.getByRole('combobox', { name: 'Outcome' }).click();
    await page.getByRole('option', { name: /^unmatched/ }).click();
    const unmatched = all.byOutcome.unmatched ?? 0;
    expect(unmatched).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('records-total').textContent()).toBe(`${unmatched} records`);
    const outcomes = await page
      .getByTestId('run-records')
      .locator('tbody tr td:first-child')
      .allTextContents();
    expect(outcomes.length).toBe(Math.min(unmatched, 25));
    expect(new Set(outcomes)).toEqual(new Set(['unmatched']));
    await context.close();
  });

  it("shows a push's failed records first, with Affinity's message", async () => {
    await withCompaniesAndDestination(server, 'refused', 3);
    const setFaults = (routes: unknown) =>
      fetch(`${server.emulator.url}/_emulator/config`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routes }),
      });
    await setFaults({ 'POST /organizations': { faultRate: 1, status: 422 } });
    let runId: number;
    try {
      const started = await server.fetch<{ runId: number }>('/api/push', {
        method: 'POST',
        body: { selection: { query: 'refused', entity: 'company' } },
      });
      expect(started.status, started.text).toBe(202);
      runId = started.json.runId;
      await finished(server, runId);
    } finally {
      await setFaults({});
    }
    const failed = (await server.fetch<RunRecords>(`/api/runs/${runId}/records?outcome=failed`)).json;
    expect(failed.total).toBeGreaterThan(0);
    const message = failed.records[0]?.message ?? '';
    expect(message).not.toBe('');

    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await signIn(page, server.member.email, server.member.password);
    await page.goto('/integrations/activity?kind=push');
    const row = page.getByTestId(`run-row-${runId}`);
    await row.waitFor();
    await row.getByRole('link', { name: /More Info/ }).click();
    await page
      .getByRole('alert', { name: `${failed.total} ${failed.total === 1 ? 'record' : 'records'} failed` })
      .waitFor();
    const first = page.getByTestId('run-records').locator('tbody tr').first();
    await expect.poll(() => first.locator('td').first().textContent()).toBe('failed');
    expect(await first.textContent()).toContain(message);
    await expectAccessible(page, 'a push with failed records');
    await shot(page, 'run-detail-failed');
    await context.close();
  });

  it('fits a phone: pull setup, activity and a run', async () => {
    const context = await newContext(browser, server.url, viewports.phone);
    const page = await context.newPage();
    await signIn(page, server.member.email, server.member.password);
    await page.goto('/integrations/pull');
    // The pull sources are the admin's to change; a member still sees them chosen.
    await page.getByText('Only Affinity workspace admins can change the pull sources').waitFor();
    expect(await page.getByRole('button', { name: 'Save as pull sources' }).isDisabled()).toBe(true);
    expect(await page.getByRole('checkbox', { name: 'Pull Portfolio' }).isChecked()).toBe(true);
    await page.getByTestId('pull-counts').waitFor();
    await expectNoHorizontalScroll(page, 'pull setup on a phone');
    await shot(page, 'pull-setup-phone');
    await page.goto('/integrations/activity');
    const runs = (await server.fetch<RunList>('/api/runs?limit=1')).json.runs;
    await page.getByTestId(`run-row-${runs[0]?.id}`).waitFor();
    await expectNoHorizontalScroll(page, 'activity on a phone');
    await page.goto(`/integrations/activity/${runs[0]?.id}`);
    await page.getByTestId('run-records').waitFor();
    await expectNoHorizontalScroll(page, 'a run on a phone');
    await expectAccessible(page, 'a run on a phone');
    await shot(page, 'run-detail-phone');
    await context.close();
  });
});
