import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestServer,
  type TestServer,
  withCompaniesAndDestination,
} from '../../../test/support/server.js';
import type { RunProgressSnapshot } from '../../app/runs.js';
import { startJobs } from '../../jobs/index.js';

/** Reads a run's Server-Sent Events to their end: every event's name and snapshot. */
async function readEvents(
  s: TestServer,
  runId: number,
  token: string,
): Promise<Array<{ event: string; data: RunProgressSnapshot }>> {
  const res = await fetch(`${s.url}/api/runs/${runId}/events`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1] ?? '';
      const data = JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? 'null') as RunProgressSnapshot;
      return { event, data };
    });
}

describe('push, pull and runs over HTTP, with workers', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({
      jobs: (deps) => startJobs(deps, { workers: true, pollingSeconds: 0.5, superviseSeconds: 1 }),
    });
    await withCompaniesAndDestination(s, 'routed', 6);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('plans a push for a member, writing nothing to Affinity', async () => {
    s.emulator.resetStats();
    const res = await s.fetch<{
      plans: Array<{
        code: string;
        report: { dryRun: boolean; plan: { counts: Record<string, number>; apiCalls: number } };
      }>;
    }>('/api/push/plan', { method: 'POST', body: { selection: { all: 'company' } }, token: s.member.token });
    expect(res.status, res.text).toBe(200);
    expect(res.json.plans).toHaveLength(1);
    const plan = res.json.plans[0]!;
    expect(plan.code).toBe('planned');
    expect(plan.report.dryRun).toBe(true);
    expect(plan.report.plan.counts.create).toBe(6);
    expect(plan.report.plan.apiCalls).toBeGreaterThan(0);
    const writes = s.emulator.stats().byRoute.filter((r) => r.method !== 'GET');
    expect(writes).toEqual([]);
  });

  it('queues a push (202) and streams its progress until it ends', async () => {
    const res = await s.fetch<{ runId: number; runIds: number[]; status: string }>('/api/push', {
      method: 'POST',
      body: { selection: { all: 'company' } },
      token: s.member.token,
    });
    expect(res.status, res.text).toBe(202);
    expect(res.json.status).toBe('queued');
    expect(res.json.runIds).toEqual([res.json.runId]);
    const events = await readEvents(s, res.json.runId, s.member.token);
    const last = events.at(-1)!;
    expect(last.event).toBe('end');
    expect(events.slice(0, -1).every((e) => e.event === 'progress')).toBe(true);
    expect(last.data).toMatchObject({
      runId: res.json.runId,
      kind: 'push',
      status: 'succeeded',
      done: true,
      actor: s.member.email,
    });
    expect(last.data.counts.created).toBe(6);
    expect(last.data.apiCalls).toBeGreaterThan(0);
    // A finished run streams one `end` at once.
    const again = await readEvents(s, res.json.runId, s.member.token);
    expect(again.map((e) => e.event)).toEqual(['end']);
  });

  it('refuses a bad push naming the field, and answers nothing without a token', async () => {
    const bad = await s.fetch<{ error: { code: string; message: string } }>('/api/push', {
      method: 'POST',
      body: { selection: { all: 'planets' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('bad_request');
    expect(bad.json.error.message).toMatch(/selection/);
    for (const [method, path] of [
      ['POST', '/api/push/plan'],
      ['POST', '/api/push'],
      ['GET', '/api/pull/sources'],
      ['PUT', '/api/pull/sources'],
      ['POST', '/api/pull/estimate'],
      ['POST', '/api/pull'],
      ['GET', '/api/runs/1/events'],
      ['POST', '/api/runs/1/cancel'],
    ] as const) {
      const res = await s.fetch(path, { method, token: null, ...(method === 'GET' ? {} : { body: {} }) });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    expect((await s.fetch('/api/runs/999999/events')).status).toBe(404);
    expect((await s.fetch('/api/runs/999999/cancel', { method: 'POST' })).status).toBe(404);
  });

  it('pull sources: members read them, only admins change them; a member estimates and pulls', async () => {
    const none = await s.fetch<{ sources: unknown[] }>('/api/pull/sources', { token: s.member.token });
    expect(none.status).toBe(200);
    expect(none.json.sources).toEqual([]);
    const nothing = await s.fetch<{ error: { message: string } }>('/api/pull', {
      method: 'POST',
      body: {},
      token: s.member.token,
    });
    expect(nothing.status).toBe(400);
    expect(nothing.json.error.message).toMatch(/nothing to pull/);

    const body = { sources: [{ list: 'Deal Flow' }, { list: 'Portfolio', withFields: true }] };
    const forbidden = await s.fetch('/api/pull/sources', { method: 'PUT', body, token: s.member.token });
    expect(forbidden.status).toBe(403);
    const unknown = await s.fetch('/api/pull/sources', {
      method: 'PUT',
      body: { sources: [{ list: 'No Such List' }] },
    });
    expect(unknown.status).toBe(400);
    const set = await s.fetch<{ sources: Array<{ name: string; withFields: boolean }> }>(
      '/api/pull/sources',
      {
        method: 'PUT',
        body,
      },
    );
    expect(set.status, set.text).toBe(200);
    expect(set.json.sources.map((x) => [x.name, x.withFields])).toEqual([
      ['Deal Flow', false],
      ['Portfolio', true],
    ]);
    const replaced = await s.fetch<{ sources: Array<{ name: string }> }>('/api/pull/sources', {
      method: 'PUT',
      body: { sources: [{ list: 'Deal Flow' }] },
    });
    expect(replaced.json.sources.map((x) => x.name)).toEqual(['Deal Flow']);

    const estimate = await s.fetch<{
      lists: Array<{ name: string; entries: number }>;
      planned: { calls: number };
    }>('/api/pull/estimate', { method: 'POST', body: {}, token: s.member.token });
    expect(estimate.status, estimate.text).toBe(200);
    expect(estimate.json.lists.map((l) => l.name)).toEqual(['Deal Flow']);
    expect(estimate.json.planned.calls).toBeGreaterThan(0);

    const pulled = await s.fetch<{ runId: number; status: string }>('/api/pull', {
      method: 'POST',
      body: {},
      token: s.member.token,
    });
    expect(pulled.status, pulled.text).toBe(202);
    const events = await readEvents(s, pulled.json.runId, s.member.token);
    expect(events.at(-1)!.data).toMatchObject({ kind: 'pull', status: 'succeeded', done: true });
    expect(events.at(-1)!.data.counts.entries).toBeGreaterThan(0);
  });
});

describe('cancel over HTTP, with no worker running', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ jobs: (deps) => startJobs(deps, { workers: false }) });
    await withCompaniesAndDestination(s, 'routed', 6);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a queued run cancelled by a member ends at once, stopped, saying who', async () => {
    const queued = await s.fetch<{ runId: number }>('/api/push', {
      method: 'POST',
      body: { selection: { company: 'routed1.io' } },
      token: s.member.token,
    });
    expect(queued.status).toBe(202);
    const cancel = await s.fetch<{ outcome: string; status: string }>(
      `/api/runs/${queued.json.runId}/cancel`,
      {
        method: 'POST',
        token: s.member.token,
      },
    );
    expect(cancel.status, cancel.text).toBe(200);
    expect(cancel.json).toMatchObject({ outcome: 'cancelled', status: 'stopped' });
    const events = await readEvents(s, queued.json.runId, s.member.token);
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({
      status: 'stopped',
      done: true,
      cancelRequestedBy: s.member.email,
    });
    expect(events[0]!.data.error).toMatch(/^cancelled by member@example\.com/);
  });
});
