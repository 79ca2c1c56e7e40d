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
import { startTestServer, type TestServer } from '../support/server.js';

/** Set SETTINGS_SHOTS=1 to write a PNG of each screen to /tmp (for looking at the layout). */
async function shot(page: Page, name: string): Promise<void> {
  if (process.env.SETTINGS_SHOTS)
    await page.screenshot({ path: `/tmp/settings-${name}.png`, fullPage: true });
}

/** A write from the page with its session and CSRF token, as a script in the browser would send it. */
async function browserWrite(
  page: Page,
  method: string,
  path: string,
  body: unknown,
): Promise<{ status: number; message: string }> {
  return page.evaluate<{ status: number; message: string }>(`(async () => {
    const me = await fetch('/api/auth/me').then((r) => r.json());
    const r = await fetch(${JSON.stringify(path)}, {
      method: ${JSON.stringify(method)},
      headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
      body: ${JSON.stringify(JSON.stringify(body))},
    });
    const j = await r.json().catch(() => null);
    return { status: r.status, message: (j && j.error && j.error.message) || '' };
  })()`);
}

describe('settings in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  /** The admin's signed-in page, shared by the admin's tests (one sign-in for all). */
  let page: Page;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ jobs: true }), launchBrowser()]);
    admin = await newContext(browser, server.url);
    page = await admin.newPage();
    await signIn(page, server.admin.email, server.admin.password);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('an admin adds a member who then signs in, changes roles and removes them; an admin cannot demote themselves', async () => {
    await page.goto('/settings');
    await page.waitForURL(/\/settings\/team$/);
    await page.getByRole('tab', { name: 'Team', selected: true }).waitFor();
    await page
      .getByTestId(`user-${server.admin.email}`)
      .getByText('Admin', { exact: true })
      .first()
      .waitFor();
    await expectAccessible(page, 'settings · team (admin)');

    await page.getByLabel('Email').fill('newcomer@example.com');
    await page.getByLabel('Name (optional)').fill('New Comer');
    await page.getByLabel(/^First password/).fill('newcomer password 1');
    await page.getByRole('button', { name: 'Add person' }).click();
    await page.getByText('newcomer@example.com is on the team').waitFor();
    await page.getByTestId('secret-value').waitFor();
    await shot(page, 'team-admin');
    const users = await server.fetch<{ users: { email: string; role: string; id: number }[] }>('/api/users');
    const newcomer = users.json.users.find((u) => u.email === 'newcomer@example.com');
    expect(newcomer).toMatchObject({ role: 'member' });

    // The new member signs in with the password the admin set.
    const theirs = await newContext(browser, server.url);
    const theirPage = await theirs.newPage();
    await signIn(theirPage, 'newcomer@example.com', 'newcomer password 1');
    await theirs.close();

    const row = page.getByTestId('user-newcomer@example.com');
    await row.getByRole('button', { name: /^Make admin/ }).click();
    const roleOf = async () =>
      (await server.fetch<{ users: { email: string; role: string }[] }>('/api/users')).json.users.find(
        (u) => u.email === 'newcomer@example.com',
      )?.role;
    await expect.poll(roleOf).toBe('admin');
    await row.getByText('Admin', { exact: true }).first().waitFor();
    await row.getByRole('button', { name: /^Make member/ }).click();
    await row.getByRole('button', { name: /^Make admin/ }).waitFor();
    expect(await roleOf()).toBe('member');

    // An admin cannot demote themselves: the API's refusal is shown.
    await page
      .getByTestId(`user-${server.admin.email}`)
      .getByRole('button', { name: /^Make member/ })
      .click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/cannot demote yourself/);

    // Remove, after confirming.
    await row.getByRole('button', { name: 'Remove newcomer@example.com' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await row.waitFor({ state: 'detached' });
    const after = await server.fetch<{ users: { email: string }[] }>('/api/users');
    expect(after.json.users.map((u) => u.email)).not.toContain('newcomer@example.com');
  });

  it('a member sees the team read-only, and the API refuses them anyway', async () => {
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await signIn(page, server.member.email, server.member.password);
    await page.goto('/settings/team');
    await page.getByText('Only admins can manage the team').waitFor();
    await page.getByRole('link', { name: server.admin.email }).waitFor();
    expect(await page.getByRole('button', { name: 'Add person' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Make admin/ }).count()).toBe(0);
    await expectAccessible(page, 'settings · team (member)');
    await shot(page, 'team-member');

    const refused = await browserWrite(page, 'POST', '/api/users', { email: 'sneaky@example.com' });
    expect(refused.status).toBe(403);
    const users = await server.fetch<{ users: { email: string }[] }>('/api/users');
    expect(users.json.users.map((u) => u.email)).not.toContain('sneaky@example.com');

    await page.getByRole('tab', { name: 'Schedules' }).click();
    await page.waitForURL(/\/settings\/schedules$/);
    await page.getByText('Only admins can change schedules').waitFor();
    expect(await page.getByRole('button', { name: 'New schedule' }).count()).toBe(0);
    await context.close();
  });

  it('an admin creates a schedule, pauses and resumes it, runs it now and removes it', async () => {
    const lists = await server.fetch<{ lists: { id: number; name: string; size: number }[] }>(
      '/api/workspace/lists',
    );
    const list = [...lists.json.lists].sort((a, b) => a.size - b.size)[0]!;
    await page.goto('/settings/schedules');
    await page.getByText(/No schedules yet/).waitFor();
    await expectAccessible(page, 'settings · schedules (empty)');

    await page.getByRole('button', { name: 'New schedule' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Morning pull');
    await dialog.getByLabel('These lists').check();
    await dialog.getByLabel('Affinity lists').click();
    await page.getByRole('option', { name: new RegExp(`^${list.name} \\(`) }).click();
    await dialog.getByRole('heading', { name: 'New schedule' }).click();
    await expectAccessible(page, 'the new schedule form');
    await shot(page, 'schedule-form');
    await dialog.getByRole('button', { name: 'Create schedule' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByTestId('schedule-Morning pull');
    await row.getByText('Every day at 07:00', { exact: false }).waitFor();

    type S = {
      id: number;
      name: string;
      cron: string | null;
      paused: boolean;
      target: { lists?: unknown[] };
      lastRun: { runId: number; status: string } | null;
    };
    const created = (await server.fetch<{ schedules: S[] }>('/api/schedules')).json.schedules[0]!;
    expect(created).toMatchObject({
      name: 'Morning pull',
      cron: '0 7 * * *',
      paused: false,
      target: { lists: [list.id] },
    });

    await row.getByRole('button', { name: 'Pause: Morning pull' }).click();
    await row.getByRole('button', { name: 'Resume: Morning pull' }).waitFor();
    expect((await server.fetch<S>(`/api/schedules/${created.id}`)).json.paused).toBe(true);
    await row.getByRole('button', { name: 'Resume: Morning pull' }).click();
    await row.getByRole('button', { name: 'Pause: Morning pull' }).waitFor();
    expect((await server.fetch<S>(`/api/schedules/${created.id}`)).json.paused).toBe(false);

    await row.getByRole('button', { name: 'Run now: Morning pull' }).click();
    const progress = page.locator('[data-testid^="run-progress-"]');
    await progress.waitFor();
    await expect
      .poll(async () => (await server.fetch<S>(`/api/schedules/${created.id}`)).json.lastRun?.status, {
        timeout: 60_000,
      })
      .toBe('succeeded');
    await progress.getByText('succeeded').waitFor();
    await row.getByRole('link', { name: /^Run #\d+/ }).waitFor();
    await expectAccessible(page, 'settings · schedules (with a run)');
    await shot(page, 'schedules');

    // Edit: a custom cron.
    await row.getByRole('button', { name: 'Edit Morning pull' }).click();
    await dialog.getByLabel('When', { exact: true }).click();
    await page.getByRole('option', { name: 'Custom (cron)' }).click();
    await dialog.getByLabel('Cron expression').fill('not a cron');
    await dialog.getByRole('button', { name: 'Save schedule' }).click();
    await dialog
      .getByText(/invalid cron expression/)
      .first()
      .waitFor();
    await dialog.getByLabel('Cron expression').fill('30 6 * * 1-5');
    await dialog.getByRole('button', { name: 'Save schedule' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await server.fetch<S>(`/api/schedules/${created.id}`)).json.cron).toBe('30 6 * * 1-5');

    await row.getByRole('button', { name: 'Remove Morning pull' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await server.fetch<{ schedules: S[] }>('/api/schedules')).json.schedules).toEqual([]);
  });

  it('subscribes the webhook in a free slot, shows it as ours, and removes it', async () => {
    await page.goto('/settings/webhooks');
    await page.getByText(/slots used/).waitFor();
    await page
      .getByText(/No deliveries received yet|Received/)
      .first()
      .waitFor();
    await expectAccessible(page, 'settings · webhooks');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByText('The receiver URL (shown this once)').waitFor();
    await page.getByTestId('slot-ours').waitFor();
    type W = { slots: { ours: boolean; webhookId: number | null }[] };
    const ours = (await server.fetch<W>('/api/webhooks')).json.slots.filter((s) => s.ours);
    expect(ours).toHaveLength(1);
    await expectAccessible(page, 'settings · webhooks (subscribed)');
    await shot(page, 'webhooks');

    await page.getByRole('button', { name: 'Remove our webhook subscription' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await page.getByTestId('slot-ours').waitFor({ state: 'detached' });
    expect((await server.fetch<W>('/api/webhooks')).json.slots.filter((s) => s.ours)).toEqual([]);
  });

  it('shows usage over months and saves the budget', async () => {
    await page.goto('/settings/usage');
    await page.getByRole('heading', { name: 'Calls per month' }).waitFor();
    await page.locator('.recharts-responsive-container').first().waitFor();
    await expectAccessible(page, 'settings · usage');
    await page.getByLabel(/^Automation share/).fill('40');
    await page.getByLabel(/^Warn above/).fill('25');
    await page.getByRole('button', { name: 'Save budget' }).click();
    await expect
      .poll(
        async () =>
          (
            await server.fetch<{
              budget: { automationBudgetPct: number | null; manualWarnPct: number | null };
            }>('/api/usage')
          ).json.budget,
      )
      .toMatchObject({ automationBudgetPct: 40, manualWarnPct: 25 });
    await shot(page, 'usage');
  });

  it('makes a personal API token that works as Bearer, then revokes it; ends other sessions', async () => {
    const other = await newContext(browser, server.url);
    const otherPage = await other.newPage();
    await signIn(otherPage, server.member.email, server.member.password);

    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await signIn(page, server.member.email, server.member.password);
    await page.goto('/settings/account');
    await page.getByText('This browser').waitFor();
    await expectAccessible(page, 'settings · account');

    await page.getByLabel('Token name').fill('export script');
    await page.getByRole('button', { name: 'Create token' }).click();
    const code = page.getByTestId('secret-value');
    await code.waitFor();
    const token = (await code.textContent())?.trim() ?? '';
    expect(token).toMatch(/^as_/);
    const me = await server.fetch<{ user: { email: string } }>('/api/auth/me', { token });
    expect(me.status).toBe(200);
    expect(me.json.user.email).toBe(server.member.email);
    await expectAccessible(page, 'settings · account (new token)');
    await shot(page, 'account');

    await page.getByRole('button', { name: 'Revoke export script' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('token-export script').waitFor({ state: 'detached' });
    expect((await server.fetch('/api/auth/me', { token })).status).toBe(401);

    // Sign out everywhere else: the other browser's session ends, this one stays.
    await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Sign out the others' }).click();
    await expect
      .poll(() => otherPage.evaluate<number>("fetch('/api/auth/me').then((r) => r.status)"))
      .toBe(401);
    expect(await page.evaluate<number>("fetch('/api/auth/me').then((r) => r.status)")).toBe(200);
    await other.close();
    await context.close();
  });

  it('fits a phone-width screen', async () => {
    const context = await newContext(browser, server.url, viewports.phone);
    const page = await context.newPage();
    await signIn(page, server.admin.email, server.admin.password);
    for (const tab of ['team', 'schedules', 'webhooks', 'usage', 'account']) {
      await page.goto(`/settings/${tab}`);
      await page.getByRole('tab', { selected: true }).waitFor();
      await page.waitForLoadState('networkidle');
      await expectNoHorizontalScroll(page, `settings · ${tab} on a phone`);
      await shot(page, `phone-${tab}`);
    }
    await context.close();
  });
});
