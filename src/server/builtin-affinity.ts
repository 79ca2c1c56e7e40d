import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { type RunningEmulator, startEmulator } from '../emulator/index.js';
import type { Logger } from '../logging/index.js';
import { type Store, syncConnections } from '../store/index.js';

/** Where the built-in emulator's address is remembered between starts, in the data directory. */
const ADDRESS_FILE = 'builtin-affinity.json';

export interface BuiltinAffinity {
  url: string;
  apiKey: string;
  emulator: RunningEmulator;
  close(): Promise<void>;
}

/**
 * Starts the built-in Affinity (the emulator with the demo workspace) for a server on embedded
 * defaults, when no real Affinity is configured. Its workspace lives in the data directory, so what
 * a user pushed is there after a restart; it listens on the port it had before when that port is
 * free, and a connection stored against its previous address is moved to the new one (same
 * workspace, same key), so a restart never strands the user's connection.
 */
export async function startBuiltinAffinity(
  store: Store,
  options: { dataDir: string; host?: string; logger?: Logger },
): Promise<BuiltinAffinity> {
  const addressPath = join(options.dataDir, ADDRESS_FILE);
  const previous = readAddress(addressPath);
  const common = {
    host: options.host ?? '127.0.0.1',
    seed: 'demo' as const,
    state: join(options.dataDir, 'emulator-workspace.json'),
  };
  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator({ ...common, port: previous?.port ?? 0 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    emulator = await startEmulator({ ...common, port: 0 });
  }
  writeFileSync(addressPath, `${JSON.stringify({ url: emulator.url, port: emulator.port })}\n`, {
    mode: 0o600,
  });
  if (previous && previous.url !== emulator.url) {
    const moved = await store.db
      .update(syncConnections)
      .set({ baseUrl: emulator.url, updatedAt: sql`now()` })
      .where(eq(syncConnections.baseUrl, previous.url))
      .returning({ name: syncConnections.name });
    if (moved.length > 0) {
      options.logger?.info(
        { from: previous.url, to: emulator.url, connections: moved.map((m) => m.name) },
        'built-in Affinity moved to a new port; its connections follow it',
      );
    }
  }
  return { url: emulator.url, apiKey: emulator.apiKey, emulator, close: () => emulator.close() };
}

/** The URL the built-in Affinity of this data directory had at its last start, or null. */
export function previousBuiltinUrl(dataDir: string): string | null {
  return readAddress(join(dataDir, ADDRESS_FILE))?.url ?? null;
}

function readAddress(path: string): { url: string; port: number } | null {
  if (!existsSync(path)) return null;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { url?: unknown; port?: unknown };
    if (typeof parsed.url === 'string' && typeof parsed.port === 'number') {
      return { url: parsed.url, port: parsed.port };
    }
  } catch {
    // A damaged file only costs the old port.
  }
  return null;
}
