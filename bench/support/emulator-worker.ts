/**
 * Runs a seeded emulator in a worker thread, so a benchmark's HTTP server does not share the event
 * loop (and the CPU time) of the client it measures: Affinity is a remote service. Posts `{ url }`
 * once listening and closes on `close`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startEmulator } from '../../src/emulator/index.js';
import { seed } from './pull-seed.js';

const port = parentPort;
if (port) {
  const emu = await startEmulator({ seed, ...(workerData as object) });
  port.on('message', (m: unknown) => {
    if (m === 'close') void emu.close().then(() => port.close());
  });
  port.postMessage({ url: emu.url });
}
