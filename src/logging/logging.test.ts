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
