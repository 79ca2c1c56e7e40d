import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './index.js';

describe('createLogger', () => {
  it('censors API keys and authorization headers wherever they appear', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger('info', sink);
    log.info(
      { apiKey: 'sk-live-1', connection: { apiKey: 'sk-live-2' }, headers: { authorization: 'Basic abc' } },
      'connect',
    );
    const out = lines.join('');
    expect(out).toContain('connect');
    expect(out).not.toContain('sk-live-1');
    expect(out).not.toContain('sk-live-2');
    expect(out).not.toContain('Basic abc');
    expect(out.match(/\[redacted\]/g)).toHaveLength(3);
  });
});

describe('createLogger and the server', () => {
  it('censors passwords, tokens, cookies and CSRF headers of sign-in requests', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger('info', sink);
    log.info(
      {
        body: { password: 'hunter2-secret', currentPassword: 'old-secret-1', token: 'as_tok_123' },
        req: { headers: { cookie: 'affinity_sync_session=s3ss10n', 'x-csrf-token': 'csrf-xyz' } },
        res: { headers: { 'set-cookie': 'affinity_sync_session=n3w' } },
        csrfToken: 'csrf-abc',
      },
      'sign in',
    );
    const out = lines.join('');
    for (const secret of [
      'hunter2-secret',
      'old-secret-1',
      'as_tok_123',
      's3ss10n',
      'csrf-xyz',
      'n3w',
      'csrf-abc',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('sign in');
  });
});
