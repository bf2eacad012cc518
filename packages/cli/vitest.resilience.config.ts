import { defineConfig } from "vitest/config";

// The resilience suite: black-box runs of the built CLI at scale, with faults and crashes. Minutes,
// not seconds, so it is its own command (`npm run test:resilience`) and one CI step.
export default defineConfig({
  test: {
    // One scratch TMPDIR per run, removed at the end (@cvk/core src/test-support.ts).
    globalSetup: ["../core/src/test-support.ts"],
    include: ["resilience/**/*.test.ts"],
    reporters: ["default", "./resilience/totals-reporter.ts"],
    clearMocks: true,
    restoreMocks: true,
    // One file at a time: each drives a sandbox server and the CLI, which share the machine's cores.
    fileParallelism: false,
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
