import type { Browser, Page } from 'playwright-core';
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

interface ConnectionAnswer {
  connected: boolean;
  connection: { tenantName: string | null; baseUrl: string; connectedBy: string } | null;
}

/** Connecting, watching and disconnecting Affinity from the Integrations hub, as admin and member. */
describe('integrations hub, connect and live in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let tenantName: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startTestServer({ connect: false, dataset: 'demo', jobs: true }),
      launchBrowser(),
    ]);
    // The workspace the emulator's key opens, as the API reports it (nothing is saved by verify).
    const verified = await server.fetch<{ tenant: { name: string } }>('/api/connection/verify', {
      method: 'POST',
      body: { apiKey: server.emulator.apiKey, baseUrl: server.emulator.url },
    });
    expect(verified.status).toBe(200);
    tenantName = verified.json.tenant.name;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const signedIn = new Map<string, Promise<Page>>();

  /** A page signed in as `who` at that width, made once and reused by the tests after. */
  function pageAs(who: 'admin' | 'member', phone = false): Promise<Page> {
    const key = `${who}${phone ? ' phone' : ''}`;
    let page = signedIn.get(key);
    if (!page) {
      page = (async () => {
        const context = await newContext(browser, server.url, phone ? viewports.phone : viewports.desktop);
        const p = await context.newPage();
        await signIn(p, server[who].email, server[who].password);
        return p;
      })();
      signedIn.set(key, page);
    }
    return page;
  }

  it('tells a member that only admins connect, with the admins to ask, and the API refuses the member too', async () => {
    const page = await pageAs('member');
    await page.goto('/integrations');
    const card = page.getByTestId('affinity-card');
    await card.getByText('Not connected').waitFor();
    await card.getByRole('heading', { name: 'Why integrate with Affinity?' }).waitFor();
    await expectAccessible(page, 'the hub, not connected, as a member');

    await card.getByRole('link', { name: 'Connect', exact: true }).click();
    await page.waitForURL(/\/integrations\/connect$/);
    await page
      .getByRole('heading', { name: 'Only Affinity workspace admins can connect the integration' })
      .waitFor();
    const admins = page.getByRole('list', { name: 'Admins' });
    const admin = admins.getByRole('listitem').filter({ hasText: server.admin.email });
    await admin.getByText('Admin', { exact: true }).waitFor();
    expect(await admin.count()).toBe(1);
    // The member is no admin, so is not in the list.
    expect(await admins.getByText(server.member.email).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Settings → Team' }).getAttribute('href')).toBe(
      '/settings/team',
    );
    expect(await page.getByLabel('Affinity API key').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Verify' }).count()).toBe(0);
    await expectAccessible(page, 'connect as a member');

    // The refusal is the API's, not only the screen's.
    const attempt = await server.fetch<{ error: { code: string } }>('/api/connection', {
      method: 'POST',
      token: server.member.token,
      body: { apiKey: server.emulator.apiKey, baseUrl: server.emulator.url },
    });
    expect(attempt.status).toBe(403);
    expect(attempt.json.error.code).toBe('forbidden');
    expect((await server.fetch<ConnectionAnswer>('/api/connection')).json.connected).toBe(false);
  });

  it('lets an admin verify a key (a wrong one shows Affinity’s refusal), confirm, and land on the push setup', async () => {
    const page = await pageAs('admin');
    await page.goto('/integrations');
    await page.getByTestId('affinity-card').getByRole('link', { name: 'Connect', exact: true }).click();
    await page.waitForURL(/\/integrations\/connect$/);
    await page.getByRole('navigation', { name: 'Setup steps' }).waitFor();
    await expectAccessible(page, 'connect as an admin, empty');

    await page.getByRole('button', { name: 'Advanced settings' }).click();
    await page.getByLabel('Affinity API URL').fill(server.emulator.url);
    await page.getByLabel('Affinity API key').fill('not-a-key-of-this-workspace');
    await page.getByRole('button', { name: 'Verify' }).click();
    const wrong = await server.fetch<{ error: { message: string } }>('/api/connection/verify', {
      method: 'POST',
      body: { apiKey: 'not-a-key-of-this-workspace', baseUrl: server.emulator.url },
    });
    expect(wrong.status).toBe(400);
    await page
      .getByRole('alert')
      .filter({ hasText: 'Affinity refused this key' })
      .getByText(wrong.json.error.message)
      .waitFor();
    await expectAccessible(page, 'connect with a refused key');

    // Not a URL: the API names the field, and the screen shows it under the field.
    await page.getByLabel('Affinity API key').fill(server.emulator.apiKey);
    await page.getByLabel('Affinity API URL').fill('not a url');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('must be an http(s) URL').first().waitFor();
    expect(await page.getByLabel('Affinity API URL').getAttribute('aria-invalid')).toBe('true');

    // A URL where no Affinity answers: the API's message says so.
    await page.getByLabel('Affinity API URL').fill('http://127.0.0.1:9');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'Affinity did not answer' })
      .getByText(/unreachable/)
      .waitFor();
    expect(await page.getByTestId('verified-key').count()).toBe(0);

    await page.getByLabel('Affinity API URL').fill(server.emulator.url);
    await page.getByRole('button', { name: 'Verify' }).click();
    const verified = page.getByTestId('verified-key');
    await verified.getByText(tenantName, { exact: false }).first().waitFor();
    await verified.getByText('Creating and updating records in Affinity').waitFor();
    await verified
      .getByText('Reading your existing lists and workspaces (so affinity-sync knows where to push records)')
      .waitFor();
    // Verifying saves nothing.
    expect((await server.fetch<ConnectionAnswer>('/api/connection')).json.connected).toBe(false);
    await expectAccessible(page, 'connect, key verified');

    await verified.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\/integrations\/push$/);
    const status = await server.fetch<ConnectionAnswer>('/api/connection');
    expect(status.json.connected).toBe(true);
    expect(status.json.connection?.tenantName).toBe(tenantName);
    expect(status.json.connection?.baseUrl).toBe(server.emulator.url);
    expect(status.json.connection?.connectedBy).toBe(server.admin.email);

    // Back on Connect, the key is never shown back: only its hint.
    await page.goto('/integrations/connect');
    await page.getByText(`Connected to ${tenantName}`).waitFor();
    expect(await page.getByLabel('Affinity API key').inputValue()).toBe('');
    expect(await page.content()).not.toContain(server.emulator.apiKey);
  });

  it('shows the connected workspace on the hub with its last sync, health and recent runs', async () => {
    // One pull, so the hub has a last sync and a recent run to show.
    const lists = await server.fetch<{ lists: { id: number; name: string }[] }>('/api/workspace/lists');
    expect(lists.status).toBe(200);
    const first = lists.json.lists[0];
    if (!first) throw new Error('the demo workspace has no list');
    const pull = await server.fetch<{ runId: number }>('/api/pull', {
      method: 'POST',
      body: { lists: [first.id] },
    });
    expect(pull.status).toBe(202);
    const { runId } = pull.json;
    await expect
      .poll(
        async () => (await server.fetch<{ run: { status: string } }>(`/api/runs/${runId}`)).json.run.status,
        {
          timeout: 60_000,
          interval: 250,
        },
      )
      .toMatch(/succeeded|partial/);

    const page = await pageAs('admin');
    await page.goto('/integrations');
    const card = page.getByTestId('affinity-card');
    await card.getByText('Connected', { exact: true }).waitFor();
    await card.getByText(tenantName, { exact: true }).waitFor();
    await card.getByText(server.emulator.url).waitFor();
    await card.getByRole('link', { name: `Pull #${runId}` }).waitFor();
    await card.getByText('Set up a schedule').waitFor();
    const recent = page.getByTestId('recent-runs');
    const row = recent.getByRole('row').filter({ hasText: `Pull #${runId}` });
    await row.getByText(/succeeded|partial/).waitFor();
    expect(await row.getByRole('link', { name: `More info on run ${runId}` }).getAttribute('href')).toBe(
      `/integrations/activity/${runId}`,
    );
    for (const [name, href] of [
      ['Push setup', '/integrations/push'],
      ['Pull setup', '/integrations/pull'],
      ['Activity', '/integrations/activity'],
      ['Schedules', '/settings/schedules'],
    ] as const) {
      expect(await card.getByRole('link', { name, exact: true }).getAttribute('href')).toBe(href);
    }
    await expectAccessible(page, 'the hub, connected');

    // A schedule shows as the next run, here and on You're Live.
    const schedule = await server.fetch('/api/schedules', {
      method: 'POST',
      body: { name: 'Nightly pull', kind: 'pull', intervalMinutes: 1440 },
    });
    expect(schedule.status).toBe(201);
    await page.reload();
    await card.getByText(/Nightly pull \(pull\) in/).waitFor();
    await page.goto('/integrations/live');
    await page.getByRole('heading', { name: "You're Live!" }).waitFor();
    await page.getByTestId('live-schedules').getByText('Nightly pull').waitFor();
    expect(await page.getByRole('link', { name: 'Go to the Integrations hub' }).getAttribute('href')).toBe(
      '/integrations',
    );
    await expectAccessible(page, "You're Live");
  });

  it('fits a phone-width screen', async () => {
    const page = await pageAs('admin', true);
    for (const path of ['/integrations', '/integrations/connect', '/integrations/live']) {
      await page.goto(path);
      await page.getByRole('heading', { level: 2 }).waitFor();
      await page
        .getByRole('navigation', { name: 'Setup steps' })
        .or(page.getByTestId('affinity-card'))
        .first()
        .waitFor();
      await expectNoHorizontalScroll(page, `${path} on a phone`);
    }
    await expectAccessible(page, 'You’re Live on a phone');
  });

  it('lets an admin disconnect after a confirmation that says what is forgotten; a member may not', async () => {
    const member = await pageAs('member');
    await member.goto('/integrations');
    await member.getByText('Only admins can disconnect.', { exact: false }).waitFor();
    expect(await member.getByRole('button', { name: 'Disconnect Affinity' }).isDisabled()).toBe(true);
    const refused = await server.fetch('/api/connection', { method: 'DELETE', token: server.member.token });
    expect(refused.status).toBe(403);

    const page = await pageAs('admin');
    await page.goto('/integrations');
    await page.getByRole('button', { name: 'Disconnect Affinity' }).click();
    const dialog = page.getByRole('dialog', { name: `Disconnect ${tenantName}?` });
    await dialog.getByText('the stored API key;').waitFor();
    await dialog.getByText(/push destinations/).waitFor();
    await expectAccessible(page, 'the disconnect confirmation');
    await dialog.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await page.getByTestId('affinity-card').getByText('Not connected').waitFor();
    expect((await server.fetch<ConnectionAnswer>('/api/connection')).json.connected).toBe(false);
  });
});
