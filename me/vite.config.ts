import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The member's page, served by taiwa-server at /me/ under a strict CSP (no inline script or
// style): everything is bundled into files of its own, nothing comes from a CDN.
export default defineConfig({
  base: '/me/',
  plugins: [svelte()],
  clearScreen: false,
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // A data: URL would be inlined into script or style; keep every asset a file of its own.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});
