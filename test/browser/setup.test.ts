import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../src/app/context.js';
import { setupLinkIfNoUsers } from '../../src/app/users.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/index.js';
import { buildServer } from '../../src/server/app.js';
import { openTestStore, type TestStore } from '../../src/store/testing.js';
import {
  expectAccessible,
  expectNoHorizontalScroll,
  launchBrowser,
  newContext,
  viewports,
} from '../support/browser.js';

/** First-run setup: a server with nobody on the team yet, as `serve` starts on a fresh install. */
describe('first-run setup in the browser', () => {
  let t: TestStore;
  let deps: AppDeps;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    [t, browser] = await Promise.all([openTestStore('pglite'), launchBrowser()]);
    deps = {
      store: t.store,
      config: loadConfig({ AFFINITY_SYNC_DATA_DIR: t.dataDir, LOG_LEVEL: 'silent' }),
      logger: createLogger('silent'),
    };
    app = await buildServer(deps);
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await t?.cleanup();
  });

  it('says what to do when the link has no token, and refuses a forged one with the API’s message', async () => {
    const context = await newContext(browser, url, viewports.phone);
    const page = await context.newPage();
    await page.goto('/setup');
    await page.getByText('This link has no setup token').waitFor();
    await page.getByText('affinity-sync users add EMAIL --admin').waitFor();
    await expectAccessible(page, 'setup without a token');
    await expectNoHorizontalScroll(page, 'setup on a phone');

    // A fresh load (a hash change alone is the same page).
    await page.goto('about:blank');
    await page.goto('/setup#token=forged');
    await page.getByRole('button', { name: 'Create admin and sign in' }).waitFor();
    // The token leaves the address bar at once.
    expect(new URL(page.url()).hash).toBe('');
    await page.getByLabel('Email').fill('first@example.com');
    await page.getByLabel(/^Password(?! again)/).fill('first admin password');
    await page.getByLabel('Password again').fill('first admin password');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/unknown, used or expired/);
    await expectAccessible(page, 'setup refused');
    expect((await (await fetch(`${url}/api/auth/setup`)).json()) as unknown).toEqual({ needed: true });
    await context.close();
  });

  it('creates the first admin from the link and signs them in; the link is dead after', async () => {
    const token = await setupLinkIfNoUsers(deps);
    expect(token).toBeTruthy();
    const link = `/setup#token=${encodeURIComponent(token!)}`;
    const context = await newContext(browser, url);
    const page = await context.newPage();
    await page.goto(link);
    await page.getByRole('heading', { name: 'Create the first admin' }).waitFor();
    await expectAccessible(page, 'setup form');

    // Checked before anything is sent: a short password, then two that differ.
    await page.getByLabel('Email').fill('First@Example.com');
    await page.getByLabel('Name (optional)').fill('Ada First');
    await page.getByLabel(/^Password(?! again)/).fill('short');
    await page.getByLabel('Password again').fill('different');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.getByText('must be at least 10 characters').waitFor();
    await page.getByText('the two passwords differ').waitFor();
    await expectAccessible(page, 'setup with field errors');
    expect((await (await fetch(`${url}/api/auth/setup`)).json()) as unknown).toEqual({ needed: true });

    await page.getByLabel(/^Password(?! again)/).fill('first admin password');
    await page.getByLabel('Password again').fill('first admin password');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.waitForURL(/\/integrations$/);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    const me = await page.evaluate<{ user: { email: string; role: string } }>(
      "fetch('/api/auth/me').then((r) => r.json())",
    );
    expect(me.user).toMatchObject({ email: 'first@example.com', role: 'admin' });
    // A write works at once: the screen kept the session's CSRF token.
    const made = await page.evaluate<number>(`(async () => {
      const me = await fetch('/api/auth/me').then((r) => r.json());
      const r = await fetch('/api/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify({ name: 'after setup' }),
      });
      return r.status;
    })()`);
    expect(made).toBe(201);
    await context.close();

    // The same link again, in another browser: setup is done, and the API refuses the token.
    const again = await newContext(browser, url);
    const second = await again.newPage();
    await second.goto(link);
    await second.getByText('Setup is done already').waitFor();
    await second.getByRole('link', { name: 'Sign in' }).waitFor();
    await expectAccessible(second, 'setup done already');
    const refused = await fetch(`${url}/api/auth/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, email: 'second@example.com', password: 'second admin password' }),
    });
    expect(refused.status).toBe(409);
    await again.close();
  });
});
