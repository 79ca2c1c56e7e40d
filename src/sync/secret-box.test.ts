import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { maskSecret, SecretBox } from './secret-box.js';

const dirs: string[] = [];
async function tempDir() {
  const d = await mkdtemp(join(tmpdir(), 'secret-box-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('SecretBox', () => {
  it('round-trips and never produces the same ciphertext twice', () => {
    const box = SecretBox.fromSecret('a master secret of enough length');
    const a = box.seal('api-key-123');
    const b = box.seal('api-key-123');
    expect(a).not.toBe(b);
    expect(a).not.toContain('api-key-123');
    expect(box.open(a)).toBe('api-key-123');
  });

  it('refuses a tampered ciphertext or the wrong key', () => {
    const box = SecretBox.fromSecret('a master secret of enough length');
    const sealed = box.seal('api-key-123');
    const parts = sealed.split('.');
    const data = Buffer.from(parts[3]!, 'base64url');
    data[0] = data[0]! ^ 1;
    parts[3] = data.toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow(/cannot decrypt/);
    expect(() => SecretBox.fromSecret('another secret, also long').open(sealed)).toThrow(/wrong master key/);
    expect(() => box.open('garbage')).toThrow(/not a sealed secret/);
  });

  it('creates a 0600 key file once and reuses it', async () => {
    const dir = await tempDir();
    const box1 = await SecretBox.fromKeyFile(dir);
    const keyFile = join(dir, 'secret.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const before = await readFile(keyFile, 'utf8');
    const box2 = await SecretBox.fromKeyFile(dir);
    expect(await readFile(keyFile, 'utf8')).toBe(before);
    expect(box2.open(box1.seal('k'))).toBe('k');
  });

  it('refuses a key file other users can read', async () => {
    const dir = await tempDir();
    await SecretBox.fromKeyFile(dir);
    await chmod(join(dir, 'secret.key'), 0o644);
    await expect(SecretBox.fromKeyFile(dir)).rejects.toThrow(/readable by other users/);
  });

  it('does not reveal its key when printed', () => {
    const box = SecretBox.fromSecret('a master secret of enough length');
    expect(String(box)).toBe('SecretBox([redacted])');
    expect(inspect(box)).toBe('SecretBox([redacted])');
    expect(JSON.stringify(box)).toBe('{}');
  });
});

describe('maskSecret', () => {
  it('keeps only the last four characters', () => {
    expect(maskSecret('0123456789abcdef')).toBe('••••••cdef');
    expect(maskSecret('short')).toBe('••••');
  });
});
