import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // kernel differential tests share /sys/fs/bpf; files run in parallel, tests in a file in order
    pool: 'forks',
    // fixed fast-check seed (TSBPF_FUZZ_SEED overrides)
    setupFiles: ['test/support/fast-check-seed.ts'],
  },
});
