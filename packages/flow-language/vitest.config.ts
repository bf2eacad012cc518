import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // One scratch TMPDIR per run, removed at the end (@cvk/core src/test-support.ts).
    globalSetup: ["../core/src/test-support.ts"],
    // Mocks never leak between tests; every test sets up what it needs.
    clearMocks: true,
    restoreMocks: true,
    // Bounds hangs only: under turbo, other packages' CPU-heavy suites share this 2-core machine, and
    // worker threads, child processes and real sockets start slowly then.
    testTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
