import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/affinity-sync.mjs', import.meta.url));

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('affinity-sync CLI', () => {
  it('lists its commands in --help', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('demo');
  });

  it('exits non-zero with a one-line reason naming every bad setting', () => {
    const r = run(['demo', '--json'], { AFFINITY_RATE_PER_MINUTE: 'lots', PORT: '-1' });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^affinity-sync: invalid configuration: .*AFFINITY_RATE_PER_MINUTE.*PORT/);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false });
  });

  it('rejects an unknown command with a non-zero exit', () => {
    const r = run(['frobnicate']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});
