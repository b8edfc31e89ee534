import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The operators' console. Built into dist/admin, which the api serves at /admin
 * (`ADMIN_DIST_DIR` points elsewhere, e.g. a test's own build). `npm run dev:admin`
 * serves it with hot reload and forwards API calls to the api on :3000.
 */
export default defineConfig({
  root: here,
  base: '/admin/',
  plugins: [react()],
  // The one lib written for the browser too (no imports); the others are Node-only.
  resolve: { alias: { '@app/contracts': `${here}../../libs/contracts/src/index.ts` } },
  build: {
    outDir: process.env.ADMIN_OUT_DIR ?? `${here}../../dist/admin`,
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      output: {
        manualChunks: { react: ['react', 'react-dom', 'react-router-dom'], antd: ['antd'] },
      },
    },
  },
  server: {
    proxy: {
      '/wechatpush': 'http://localhost:3000',
      '/statistic': 'http://localhost:3000',
      '/import': 'http://localhost:3000',
    },
  },
});
