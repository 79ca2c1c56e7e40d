import { once } from 'node:events';
import type { EmulatorConfig, EmulatorStats } from '../../src/emulator/index.js';
import { siblingModule, startModuleWorker } from '../../src/threads.js';

/** The bench emulator in its own thread, driven through its admin API like a separate process. */
export interface EmulatorThread {
  url: string;
  setConfig(patch: Partial<EmulatorConfig>): Promise<void>;
  stats(): Promise<EmulatorStats>;
  resetStats(): Promise<void>;
  close(): Promise<void>;
}

export async function startEmulatorThread(options: {
  ratePerMinute: number;
  maxConcurrent: number;
}): Promise<EmulatorThread> {
  const worker = startModuleWorker(siblingModule(import.meta.url, 'emulator-worker'), {
    workerData: options,
  });
  const [ready] = (await Promise.race([once(worker, 'message'), once(worker, 'error')])) as [
    { url?: string },
  ];
  if (!ready?.url) throw new Error(`the emulator thread failed: ${String(ready)}`);
  const url = ready.url;
  const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${url}/_emulator/${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!res.ok) throw new Error(`emulator admin ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    url,
    setConfig: async (patch) => {
      await admin('PUT', 'config', patch);
    },
    stats: async () => (await admin('GET', 'stats')) as EmulatorStats,
    resetStats: async () => {
      await admin('POST', 'stats/reset');
    },
    close: async () => {
      worker.postMessage('close');
      await once(worker, 'exit');
    },
  };
}
