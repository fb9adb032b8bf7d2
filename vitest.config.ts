import { defineConfig } from 'vitest/config';

// `npm test`: every suite but the cross-architecture rewrite matrix, which runs separately as
// `npm run test:elf` (vitest.elf.config.ts), and the Debian-root tests, `npm run test:roots`
// (vitest.roots.config.ts); .ci/run runs all three. Every run ends with the list of skipped
// tests and their reasons (test/helpers/skip-reporter.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/elf-edit/**', 'test/roots/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default', './test/helpers/skip-reporter.ts'],
  },
});
