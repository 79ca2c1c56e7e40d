import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Encrypts secrets (Affinity API keys) at rest with AES-256-GCM. The master key comes from
 * `AFFINITY_SYNC_SECRET` (hashed to 32 bytes) or, absent that, from a generated key file in the
 * data directory readable by its owner only. Ciphertexts are versioned so the scheme can change.
 */
export class SecretBox {
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  /** A box keyed by a passphrase (any length ≥ 16; it is hashed with SHA-256). */
  static fromSecret(secret: string): SecretBox {
    return new SecretBox(createHash('sha256').update(secret, 'utf8').digest());
  }

  /**
   * A box keyed by `<dataDir>/secret.key`, created on first use with mode 0600. Refuses a key file
   * that others can read, since anyone who reads it can read every stored API key.
   */
  static async fromKeyFile(dataDir: string): Promise<SecretBox> {
    await mkdir(dataDir, { recursive: true });
    const path = join(dataDir, 'secret.key');
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(randomBytes(32).toString('base64'));
      } finally {
        await handle.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) {
      throw new Error(
        `${path} is readable by other users (mode ${(info.mode & 0o777).toString(8)}); run chmod 600 on it`,
      );
    }
    const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte base64 key`);
    return new SecretBox(key);
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, base64url parts; a fresh IV every time. */
  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plaintext; throws if the ciphertext was altered or sealed with another key. */
  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || iv === undefined || tag === undefined || data === undefined) {
      throw new Error('not a sealed secret');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new Error(
        'cannot decrypt the stored secret: wrong master key (AFFINITY_SYNC_SECRET) or altered data',
      );
    }
  }

  toString(): string {
    return 'SecretBox([redacted])';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Shows enough of a key to recognise it, never enough to use it: `••••••3f9a`. */
export function maskSecret(secret: string): string {
  return secret.length <= 8 ? '••••' : `••••••${secret.slice(-4)}`;
}
