/**
 * Build of the dealer dashboard: `npm run build:web` writes web/dist, which the local stack serves at `/` and
 * the CDK app deploys to S3 behind CloudFront.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: webRoot,
  base: '/',
  // The dashboard reads its settings from /config.json at run time, so one build serves every environment.
  envDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    // The lazily loaded ECharts chunk is about 560 KB minified (about 190 KB gzip); it is not part of the first load.
    chunkSizeWarningLimit: 700,
  },
});
