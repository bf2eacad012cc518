import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Mocks never leak between tests; every test sets up what it needs.
    clearMocks: true,
    restoreMocks: true,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
