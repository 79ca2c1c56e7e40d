import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The web UI, built into `dist/web` (served by `affinity-sync serve`). `npm run dev:web` serves it
 * with hot reload and forwards `/api` to a running `serve` (default http://127.0.0.1:3000).
 */
export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    sourcemap: true,
  },
  server: {
    proxy: { '/api': process.env.AFFINITY_SYNC_API ?? 'http://127.0.0.1:3000' },
  },
});
