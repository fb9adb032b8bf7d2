import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// `npm run test:elf`: the ELF rewrite matrix (design test plan: 8 architectures, three
// linkers, link variants, runtime and strip oracles, one test per failure class F1-F22).
export default defineConfig({
  test: {
    include: ['test/elf-edit/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 900_000,
    pool: 'forks',
    // One test file per core: the matrix mostly waits on compilers and qemu.
    maxWorkers: availableParallelism(),
    reporters: ['default', './test/helpers/skip-reporter.ts'],
  },
});
