import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration suites start DynamoDB Local (a JVM) and a gateway each; two at a time fit the 2-core machines.
    maxWorkers: 2,
    // EMF metric lines are for CloudWatch; in tests they would only clutter the output.
    env: { POWERTOOLS_METRICS_DISABLED: 'true' },
  },
});
