import { defineConfig } from 'vitest/config';

// `npm run test:roots`: the slow tests that build Debian roots (debootstrap, apt-get download
// into /var/cache/wheelaudit-test) and run code inside them — an older distribution as the
// oracle for what a repaired wheel needs. .ci/run runs it after `npm test`.
export default defineConfig({
  test: {
    include: ['test/roots/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 1_800_000,
    pool: 'forks',
    reporters: ['default', './test/helpers/skip-reporter.ts'],
  },
});
