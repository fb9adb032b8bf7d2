import { defineConfig } from 'vitest/config';

// `npm test`: every suite but the cross-architecture rewrite matrix, which runs separately as
// `npm run test:elf` (vitest.elf.config.ts), and the package tests (`npm run test:package`,
// vitest.package.config.ts); .ci/run runs all three.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/elf-edit/**', 'test/package/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
