import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    execArgv: ['--import', 'tsx'],
    // the CLI tests run the built CLI (test/helpers/cli.ts): build it first
    globalSetup: ['test/helpers/build-dist.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // two test files at once: many of them wait on child processes and worker threads, so one
    // file per core keeps both cores busy (vitest's default leaves one core for the runner)
    maxWorkers: 2,
  },
});
