import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, dataDirAt, runCli } from '../../../test/support/cli.js';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { demoWorkspaceFacts } from '../../emulator/seeds/index.js';

const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-webhooks-cli-'));
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo', ratePerMinute: 100_000 });
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<CliResult> {
  return runCli([...args, '--data-dir', dataDirAt(join(dir, 'data')), '--base-url', emu.url], {
    env: { DATABASE_URL: '', AFFINITY_API_KEY: '', AFFINITY_SYNC_SECRET: 'webhooks cli test master secret' },
  });
}

async function subscriptions(key = emu.apiKey): Promise<Array<{ id: number; webhook_url: string }>> {
  const res = await fetch(`${emu.url}/webhook`, {
    headers: { authorization: `Basic ${Buffer.from(`:${key}`).toString('base64')}` },
  });
  return (await res.json()) as Array<{ id: number; webhook_url: string }>;
}

describe('affinity-sync webhooks', () => {
  it('subscribes, lists, rotates and removes our receiver; refuses when all 3 slots are others’', async () => {
    expect((await cli('connect', '--api-key', emu.apiKey, '--json')).code).toBe(0);
    const empty = await cli('webhooks', 'list');
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toMatch(/0 of 3 taken/);
    expect(empty.stdout).toMatch(/scheduled pulls/);

    const sub = await cli('webhooks', 'subscribe', '--public-url', 'https://sync.example.com/', '--json');
    expect(sub.code, sub.stderr).toBe(0);
    const made = sub.json as { receiverUrl: string; webhookId: number };
    expect(made.receiverUrl).toMatch(/^https:\/\/sync\.example\.com\/webhooks\/affinity\/[\w-]{43}$/);
    expect((await subscriptions()).map((s) => s.webhook_url)).toEqual([made.receiverUrl]);

    const listed = await cli('webhooks', 'list', '--json');
    const slots = (listed.json as { slots: Array<{ ours: boolean; url: string }> }).slots;
    expect(slots).toEqual([expect.objectContaining({ ours: true })]);
    expect(slots[0]!.url).not.toBe(made.receiverUrl);

    const rotated = await cli('webhooks', 'rotate');
    expect(rotated.code, rotated.stderr).toBe(0);
    const newUrl = /shown once\): (\S+)/.exec(rotated.stdout)?.[1];
    expect(newUrl).toMatch(/^https:\/\/sync\.example\.com\/webhooks\/affinity\//);
    expect(newUrl).not.toBe(made.receiverUrl);
    expect((await subscriptions()).map((s) => s.webhook_url)).toEqual([newUrl]);

    const removed = await cli('webhooks', 'remove', String(made.webhookId), '--json');
    expect(removed.json).toMatchObject({ ok: true, deletedAtAffinity: true });
    expect(await subscriptions()).toEqual([]);

    const other = demoWorkspaceFacts().users[1]!.apiKey!;
    for (const n of [1, 2, 3]) {
      await fetch(`${emu.url}/webhook/subscribe`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`:${other}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ webhook_url: `https://hooks.example.com/theirs-${n}` }),
      });
    }
    const refused = await cli('webhooks', 'subscribe', '--public-url', 'https://sync.example.com');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/all 3 webhook subscriptions/);
    expect(refused.stderr).toContain('https://hooks.example.com/theirs-3');
    expect(refused.stderr).toMatch(/scheduled pulls/);
    expect((await subscriptions()).map((s) => s.webhook_url)).toEqual(
      [1, 2, 3].map((n) => `https://hooks.example.com/theirs-${n}`),
    );
    const full = await cli('webhooks', 'list');
    expect(full.stdout).toMatch(/3 of 3 taken/);
    expect(full.stdout).toMatch(/someone else's/);
  });
});
