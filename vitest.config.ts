import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// `npm test`: every suite but the cross-architecture rewrite matrix, which runs separately as
// `npm run test:elf` (vitest.elf.config.ts), the Debian-root tests, `npm run test:roots`
// (vitest.roots.config.ts), and the package tests, `npm run test:package`
// (vitest.package.config.ts); .ci/run runs all four. Every run ends with the list of skipped
// tests and their reasons (test/helpers/skip-reporter.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/elf-edit/**', 'test/roots/**', 'test/package/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // One test file per core (vitest's default leaves one core idle): most files spend much of
    // their time waiting on child processes (gcc, qemu, the CLI, python3).
    maxWorkers: availableParallelism(),
    reporters: ['default', './test/helpers/skip-reporter.ts'],
  },
});
