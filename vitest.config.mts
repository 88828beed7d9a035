import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Suites share real servers (PostgreSQL, MariaDB) and wall-clock handle windows:
    // running files one at a time keeps their timing honest on a two-core machine.
    fileParallelism: false,
  },
});
