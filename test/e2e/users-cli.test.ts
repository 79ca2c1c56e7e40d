import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/index.js';
import { buildServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/index.js';
import { freshDataDir } from '../../src/store/testing.js';
import { bin, type CliResult, runCli } from '../support/cli.js';

/** `affinity-sync users …` as an operator runs it, then the accounts it made used against the server. */
let dataDir = '';
beforeAll(async () => {
  dataDir = await freshDataDir('users-cli-e2e-');
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const env = { DATABASE_URL: '', AFFINITY_SYNC_SECRET: 'users cli test secret', LOG_LEVEL: 'warn' };
const cli = (args: string[], stdin?: string): Promise<CliResult> =>
  runCli(['users', ...args, '--data-dir', dataDir], { env, ...(stdin === undefined ? {} : { stdin }) });

// biome-ignore lint/suspicious/noExplicitAny: JSON documents are read field by field
const json = (r: CliResult): any => r.json;

describe('users command', () => {
  let bobToken = '';
  let revokedToken = '';

  it('adds the first admin and a member with passwords from stdin, never from argv', async () => {
    const empty = await cli(['list', '--json']);
    expect(empty.code).toBe(0);
    expect(json(empty)).toEqual({ ok: true, users: [] });

    const noPassword = await cli(['add', 'ada@example.com', '--admin'], '');
    expect(noPassword.code).toBe(1);
    expect(noPassword.stderr).toMatch(/no password on stdin/);

    const short = await cli(['add', 'ada@example.com', '--admin'], 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/password: must be at least 10 characters/);

    const ada = await cli(
      ['add', 'Ada@Example.com', '--admin', '--name', 'Ada', '--json'],
      'ada long password\n',
    );
    expect(ada.code, ada.stderr).toBe(0);
    expect(json(ada)).toMatchObject({
      ok: true,
      user: { email: 'ada@example.com', role: 'admin', admin: true },
    });
    expect(ada.stdout + ada.stderr).not.toContain('ada long password');

    const bob = await cli(['add', 'bob@example.com', '--role', 'member'], 'bob long password');
    expect(bob.code, bob.stderr).toBe(0);
    expect(bob.stdout).toBe('added bob@example.com as a member\n');

    const again = await cli(['add', 'BOB@example.com'], 'bob long password');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/a user with email bob@example.com already exists/);
  });

  it('refuses to demote the last admin and names unknown users', async () => {
    const demote = await cli(['role', 'ada@example.com', 'member']);
    expect(demote.code).toBe(1);
    expect(demote.stderr).toMatch(/ada@example.com is the last admin/);
    const ghost = await cli(['remove', 'ghost@example.com']);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toMatch(/no user with email ghost@example.com/);
    const badRole = await cli(['role', 'bob@example.com', 'owner']);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toMatch(/admin or member, got owner/);
  });

  it('makes API tokens printed once, lists them by prefix, and revokes them', async () => {
    const made = await cli(['token', 'bob@example.com', '--name', 'ci', '--json']);
    expect(made.code, made.stderr).toBe(0);
    bobToken = json(made).token.token;
    expect(bobToken).toMatch(/^as_/);

    const human = await cli(['token', 'bob@example.com', '--name', 'old laptop']);
    expect(human.code, human.stderr).toBe(0);
    revokedToken = human.stdout.split('\n')[0]!;
    expect(revokedToken).toMatch(/^as_/);
    expect(human.stdout).toMatch(/shown only now/);

    const listed = await cli(['tokens', 'bob@example.com', '--json']);
    const tokens = json(listed).tokens as { id: number; name: string; prefix: string }[];
    expect(tokens.map((t) => t.name)).toEqual(['ci', 'old laptop']);
    expect(listed.stdout).not.toContain(bobToken);
    expect(listed.stdout).not.toContain(revokedToken);

    const revoked = await cli(['revoke-token', String(tokens[1]!.id)]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/revoked API token #\d+ "old laptop"/);
  });

  it('promotes a member and lists the team with admins marked', async () => {
    expect((await cli(['role', 'bob@example.com', 'admin'])).code).toBe(0);
    const list = await cli(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      /^2 users:\n {2}admin {3}ada@example.com \(Ada\) {2}#1 {2}never signed in\n {2}admin {3}bob@example.com/,
    );
  });

  it('sets a password from stdin', async () => {
    const set = await cli(['password', 'ada@example.com'], 'a brand new password\n');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/password set for ada@example.com/);
    expect(set.stdout + set.stderr).not.toContain('a brand new password');
  });

  it('reads the password at a terminal prompt, twice, without echoing it', async () => {
    // `script` gives the command a terminal; the test types when each prompt shows.
    const command = [process.execPath, bin, 'users', 'add', 'carol@example.com', '--data-dir', dataDir]
      .map((a) => `'${a}'`)
      .join(' ');
    const child = spawn('script', ['-qefc', command, '/dev/null'], { env: { ...process.env, ...env } });
    let screen = '';
    let typed = 0;
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      if (typed === 0 && screen.includes('Password: ')) {
        typed = 1;
        child.stdin.write('carol typed password\r');
      } else if (typed === 1 && screen.includes('Password again: ')) {
        typed = 2;
        child.stdin.write('carol typed password\r');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, screen).toBe(0);
    expect(screen).toContain('added carol@example.com as a member');
    expect(screen).not.toContain('carol typed password');
  });

  it('made accounts and tokens the server accepts', async () => {
    const store = await openStore({ dataDir });
    const app = await buildServer({
      store,
      config: loadConfig({ AFFINITY_SYNC_DATA_DIR: dataDir }),
      logger: createLogger('silent'),
    });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const login = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ada@example.com', password: 'a brand new password' }),
      });
      expect(login.status).toBe(200);
      const carol = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'carol@example.com', password: 'carol typed password' }),
      });
      expect(carol.status).toBe(200);
      const me = await fetch(`${url}/api/auth/me`, { headers: { authorization: `Bearer ${bobToken}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({
        user: { email: 'bob@example.com', role: 'admin' },
        via: 'token',
      });
      const revoked = await fetch(`${url}/api/auth/me`, {
        headers: { authorization: `Bearer ${revokedToken}` },
      });
      expect(revoked.status).toBe(401);
    } finally {
      await app.close();
      await store.close();
    }
  });

  it('signs a user out everywhere', async () => {
    const out = await cli(['signout', 'ada@example.com', '--json']);
    expect(out.code, out.stderr).toBe(0);
    expect(json(out)).toEqual({ ok: true, email: 'ada@example.com', revoked: 1 });
  });

  it('removes a user, whose token then stops working', async () => {
    const removed = await cli(['remove', 'bob@example.com', '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(json(removed)).toMatchObject({ ok: true, removed: { email: 'bob@example.com' } });
    const list = await cli(['list', '--json']);
    expect(json(list).users.map((u: { email: string }) => u.email)).toEqual([
      'ada@example.com',
      'carol@example.com',
    ]);
    const tokens = await cli(['tokens', 'bob@example.com']);
    expect(tokens.code).toBe(1);
    expect(tokens.stderr).toMatch(/no user with email bob@example.com/);
  });
});
