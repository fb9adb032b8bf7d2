import { defineConfig } from 'vitest/config';

// `npm run test:package`: the package as users get it (test/package/). The global setup makes
// a clean checkout, installs it with `npm install <path>` and packs it once; the test files
// then install and run that tarball, the single file and the library API, under the lowest
// supported Node and the newest LTS. Files run one at a time: each spawns npm and node.
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    globalSetup: ['test/package/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 900_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', './test/helpers/skip-reporter.ts'],
  },
});
