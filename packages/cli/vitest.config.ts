import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // One scratch TMPDIR per run, removed at the end (@cvk/core src/test-support.ts).
    globalSetup: ["../core/src/test-support.ts"],
    // The resilience suite (resilience/, `npm run test:resilience`) runs on its own: it takes minutes.
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Mocks never leak between tests; every test sets up what it needs.
    clearMocks: true,
    restoreMocks: true,
    // Black-box tests spawn the built CLI; under turbo, other packages' CPU-heavy suites run at the
    // same time on a 2-core machine, so one spawn can take several seconds. This bounds hangs only.
    testTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
