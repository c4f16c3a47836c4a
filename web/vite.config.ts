/**
 * Vite configuration for the CityCloud portal.
 * Run from the repository root: `vite build --config web/vite.config.ts`.
 * Every path is resolved from this file's own folder, not from the working directory.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type ProxyOptions } from 'vite';

const webDir = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('./dist', import.meta.url));

/** The CityCloud server during development (`npm run dev:web` next to `npm run serve`). */
const SERVER = 'http://127.0.0.1:8080';
const SERVER_PATHS = ['/api', '/ngsi-ld', '/open311', '/healthz', '/docs'] as const;

const proxy: Record<string, ProxyOptions> = Object.fromEntries(
  SERVER_PATHS.map((prefix) => [prefix, { target: SERVER, changeOrigin: false, ws: false }]),
);

export default defineConfig({
  root: webDir,
  base: '/',
  publicDir: false,
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // ECharts is loaded lazily in its own chunk together with the map; it is large by nature.
    chunkSizeWarningLimit: 900,
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: false, proxy },
  preview: { host: '127.0.0.1', port: 4173, proxy },
});
