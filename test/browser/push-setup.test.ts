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

interface Mapping {
  source: string;
  fieldName: string;
  policy?: string;
  listId: number | null;
}
interface Destination {
  entityKind: string;
  recordType: string;
  matchRule: string;
  mode: string;
  listName: string | null;
  mappings: Mapping[];
  problems: string[];
}

/** Where screenshots go when asked for (`PUSH_SETUP_SHOTS=/dir`): to look at the screens. */
const shots = process.env.PUSH_SETUP_SHOTS;
async function shot(page: Page, name: string): Promise<void> {
  if (!shots) return;
  // Tall enough for an open form to show whole.
  const size = page.viewportSize();
  if (size) await page.setViewportSize({ width: size.width, height: 2600 });
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  if (size) await page.setViewportSize(size);
}

describe('push setup wizard in the browser', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ dataset: 'demo' }), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const destinations = async () =>
    (await server.fetch<{ destinations: Destination[] }>('/api/destinations')).json.destinations;
  const destinationOf = async (kind: string) => (await destinations()).find((d) => d.entityKind === kind);
  const brief = (d: Destination | undefined) =>
    d && {
      recordType: d.recordType,
      matchRule: d.matchRule,
      mode: d.mode,
      listName: d.listName,
      mappings: d.mappings.map((m) => ({ source: m.source, field: m.fieldName, policy: m.policy ?? null })),
    };

  it('as admin: adds a destination per entity, refuses a wrong type inline before saving, saves exactly what was chosen, then continues', async () => {
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await signIn(page, server.admin.email, server.admin.password);
    await page.goto('/integrations/push');
    await page.getByRole('heading', { name: 'Companies' }).waitFor();
    expect(await page.getByRole('button', { name: 'Continue →' }).isDisabled()).toBe(true);
    await page.getByText('Save at least one destination to continue').waitFor();
    await shot(page, 'wizard-empty');
    await expectAccessible(page, 'the push setup wizard');

    // Companies → Companies (Recommend), with one wrong type flagged by the check before saving.
    await page.getByRole('button', { name: 'Add Destination for Companies' }).click();
    const form = page.getByRole('dialog', { name: 'Companies: Add Destination' });
    await form.waitFor();
    const recordType = form.getByLabel('Affinity Record Type');
    expect(await recordType.locator('option:checked').textContent()).toBe('Companies (Recommend)');
    expect(await form.getByLabel('Matching rule').locator('option').allTextContents()).toEqual([
      'Search Term: domain',
      'Search Term: name',
    ]);
    await form.getByText('❗Check your data mapping❗').waitFor();
    const field = (label: string) => form.getByLabel(`Affinity field for ${label}`, { exact: true });
    await field('Description').selectOption({ label: 'Description — text' });
    await field('LinkedIn URL').selectOption({ label: 'LinkedIn URL — text' });
    await field('Last funding date').selectOption({ label: 'Website — text' });
    const refusal = form.getByText(
      'cannot map last_funding_date (date) to field "Website" (text): a date needs a date field',
      { exact: true },
    );
    await refusal.waitFor();
    expect(await field('Last funding date').getAttribute('aria-invalid')).toBe('true');
    await form.getByText('✗ 1 problem to fix before saving').waitFor();
    await expectAccessible(page, 'the destination form with an incompatible mapping');
    await shot(page, 'form-refused');

    // Saving anyway is refused by the API, on the same row, and nothing is saved.
    await form.getByRole('button', { name: 'Save Mapping' }).click();
    await form.getByRole('alert').filter({ hasText: 'Not saved' }).waitFor();
    await refusal.waitFor();
    expect(await destinationOf('company')).toBeUndefined();

    // Fixed, with a write policy, a field to create, Update Only and a list.
    await field('Last funding date').selectOption({ label: 'Last Funding Date — date' });
    await form
      .getByLabel('Write policy for Description', { exact: true })
      .selectOption({ label: 'Overwrite' });
    await field('Growth rank').selectOption({ label: 'Create this field: “Growth Rank”' });
    await form.getByText('A new number field, created in Affinity when you save').waitFor();
    await form.getByRole('radio', { name: 'Update Only' }).check();
    await form
      .getByLabel('Affinity list', { exact: true })
      .selectOption({ label: 'Deal Flow (301 entries)' });
    await form.getByText('✓ Checked: 4 fields mapped, every choice fits').waitFor();
    expect(await refusal.count()).toBe(0);
    await shot(page, 'form-fixed');
    await form.getByRole('button', { name: 'Save Mapping' }).click();
    await form.waitFor({ state: 'hidden' });

    const companies = page.getByRole('region', { name: 'Companies' });
    await companies.getByText('Saved', { exact: true }).waitFor();
    await companies.getByText('Update Only').waitFor();
    await companies.getByRole('cell', { name: 'Growth Rank (number)', exact: true }).waitFor();
    expect(brief(await destinationOf('company'))).toEqual({
      recordType: 'organization',
      matchRule: 'domain',
      mode: 'update-only',
      listName: 'Deal Flow',
      mappings: [
        { source: 'description', field: 'Description', policy: 'overwrite' },
        { source: 'linkedin_url', field: 'LinkedIn URL', policy: null },
        { source: 'last_funding_date', field: 'Last Funding Date', policy: null },
        { source: 'growth_rank', field: 'Growth Rank', policy: null },
      ],
    });
    const created = await server.fetch<{ fields: { name: string; valueType: string }[] }>(
      '/api/workspace/fields?entity=organization&refresh=true',
    );
    expect(created.json.fields.find((f) => f.name === 'Growth Rank')?.valueType).toBe('number');
    await page.getByRole('link', { name: 'Continue →' }).waitFor();

    // People → People (Recommend), matched by name.
    await page.getByRole('button', { name: 'Add Destination for People' }).click();
    const people = page.getByRole('dialog', { name: 'People: Add Destination' });
    expect(await people.getByLabel('Affinity Record Type').locator('option:checked').textContent()).toBe(
      'People (Recommend)',
    );
    await people.getByLabel('Matching rule').selectOption({ label: 'Search Term: name' });
    await people
      .getByLabel('Affinity field for LinkedIn URL', { exact: true })
      .selectOption({ label: 'LinkedIn URL — text' });
    await people
      .getByLabel('Affinity field for Location', { exact: true })
      .selectOption({ label: 'Location — location' });
    await people.getByText('✓ Checked: 2 fields mapped, every choice fits').waitFor();
    await people.getByRole('button', { name: 'Save Mapping' }).click();
    await people.waitFor({ state: 'hidden' });
    await page.getByRole('region', { name: 'People' }).getByText('Search Term: name').waitFor();
    expect(brief(await destinationOf('person'))).toEqual({
      recordType: 'person',
      matchRule: 'name',
      mode: 'create-update',
      listName: null,
      mappings: [
        { source: 'linkedin_url', field: 'LinkedIn URL', policy: null },
        { source: 'location', field: 'Location', policy: null },
      ],
    });

    // Investors → Deals (Recommend), which live on the Deals list.
    await page.getByRole('button', { name: 'Add Destination for Investors' }).click();
    const investors = page.getByRole('dialog', { name: 'Investors: Add Destination' });
    expect(await investors.getByLabel('Affinity Record Type').locator('option').allTextContents()).toEqual([
      'Companies (Recommend)',
      'Deals (Recommend)',
    ]);
    await investors.getByLabel('Affinity Record Type').selectOption({ label: 'Deals (Recommend)' });
    await investors.getByText('opportunities live on an opportunity list', { exact: false }).waitFor();
    await investors
      .getByLabel('Affinity list', { exact: true })
      .selectOption({ label: 'Deals (100 entries)' });
    await investors
      .getByLabel('Affinity field for Type', { exact: true })
      .selectOption({ label: 'Round — dropdown' });
    await investors
      .getByLabel('Affinity field for Investments count', { exact: true })
      .selectOption({ label: 'Round Size — number' });
    await investors.getByText('✓ Checked: 2 fields mapped, every choice fits').waitFor();
    await investors.getByRole('button', { name: 'Save Mapping' }).click();
    await investors.waitFor({ state: 'hidden' });
    await page
      .getByRole('region', { name: 'Investors' })
      .getByText('Deals', { exact: true })
      .first()
      .waitFor();
    expect(brief(await destinationOf('investor'))).toEqual({
      recordType: 'opportunity',
      matchRule: 'name',
      mode: 'create-update',
      listName: 'Deals',
      mappings: [
        { source: 'type', field: 'Round', policy: null },
        { source: 'investments_count', field: 'Round Size', policy: null },
      ],
    });
    await expectAccessible(page, 'the wizard with three destinations');
    await shot(page, 'wizard-saved');

    await page.getByRole('link', { name: 'Continue →' }).click();
    await page.waitForURL(/\/integrations\/pull$/);
    await context.close();
  });

  it('as a member: shows the destinations with every change disabled, and the API refuses a change with 403', async () => {
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await signIn(page, server.member.email, server.member.password);
    await page.goto('/integrations/push');
    const companies = page.getByRole('region', { name: 'Companies' });
    await companies.getByRole('cell', { name: 'Last Funding Date (date)', exact: true }).waitFor();
    await page.getByText('Only admins can change destinations').first().waitFor();
    for (const name of ['Edit the Companies destination', 'Remove the Companies destination']) {
      expect(await page.getByRole('button', { name }).isDisabled(), name).toBe(true);
    }
    await expectAccessible(page, 'the wizard as a member');
    await shot(page, 'wizard-member');

    const put = await server.fetch<{ error: { code: string; message: string } }>(
      '/api/destinations/company',
      {
        method: 'PUT',
        token: server.member.token,
        body: { recordType: 'organization' },
      },
    );
    expect(put.status).toBe(403);
    expect(put.json.error.message).toMatch(/only an admin may change push destinations/);
    expect(brief(await destinationOf('company'))?.mappings).toHaveLength(4);
    await context.close();
  });

  it('as admin on a phone: the wizard and the open form fit, and a destination is removed after confirming', async () => {
    const context = await newContext(browser, server.url, viewports.phone);
    const page = await context.newPage();
    await signIn(page, server.admin.email, server.admin.password);
    await page.goto('/integrations/push');
    await page.getByRole('region', { name: 'People' }).getByText('Search Term: name').waitFor();
    await expectNoHorizontalScroll(page, 'the push setup wizard on a phone');
    await shot(page, 'phone-wizard');

    await page.getByRole('button', { name: 'Edit the Companies destination' }).click();
    const form = page.getByRole('dialog', { name: 'Companies: edit destination' });
    await form.getByText('✓ Checked: 4 fields mapped, every choice fits').waitFor();
    expect(
      await form
        .getByLabel('Affinity field for Growth rank', { exact: true })
        .locator('option:checked')
        .textContent(),
    ).toBe('Growth Rank — number');
    await expectNoHorizontalScroll(page, 'the destination form on a phone');
    await expectAccessible(page, 'the destination form on a phone');
    await shot(page, 'phone-form');
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Remove the People destination' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove the People destination?' });
    await confirm.getByRole('button', { name: 'Remove destination' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Add Destination for People' }).waitFor();
    expect(await destinationOf('person')).toBeUndefined();
    await context.close();
  });
});

describe('push setup wizard before Affinity is connected', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ connect: false }), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('says so and links to connecting, with Continue → disabled', async () => {
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await signIn(page, server.admin.email, server.admin.password);
    await page.goto('/integrations/push');
    await page.getByText('Affinity is not connected yet').waitFor();
    expect(await page.getByRole('button', { name: 'Add Destination for Companies' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Continue →' }).isDisabled()).toBe(true);
    await expectAccessible(page, 'the wizard before connecting');
    await page.getByRole('link', { name: 'connect Affinity' }).click();
    await page.waitForURL(/\/integrations\/connect$/);
    await context.close();
  });
});
