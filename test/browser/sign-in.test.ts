import type { Browser } from 'playwright-core';
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

describe('sign in and out in the browser', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ connect: false }), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('sends a signed-out visitor to sign in, refuses a wrong password, then returns to the page asked for', async () => {
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await page.goto('/crm');
    await page.waitForURL(/\/sign-in\?next=%2Fcrm/);
    await expectAccessible(page, 'sign in');

    await page.getByLabel('Email').fill(server.admin.email);
    await page.getByLabel(/^Password/).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Could not sign in/);

    await page.getByLabel(/^Password/).fill(server.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/crm$/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    // The session is over on the server too: the API refuses the old cookie.
    const me = await page.evaluate<number>("fetch('/api/auth/me').then((r) => r.status)");
    expect(me).toBe(401);
    await context.close();
  });

  it('fits a phone-width screen', async () => {
    const context = await newContext(browser, server.url, viewports.phone);
    const page = await context.newPage();
    await signIn(page, server.member.email, server.member.password);
    await expectNoHorizontalScroll(page, 'the signed-in layout on a phone');
    await context.close();
  });
});
