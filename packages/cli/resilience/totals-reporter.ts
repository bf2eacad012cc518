import type { Reporter, TestModule } from "vitest/node";

/**
 * Ends `npm run test:resilience` with its totals — `N passed, N failed` over the whole suite and per
 * file, with each file's time — in one block a CI log or the README can quote. Vitest's own summary
 * leaves out the zero counts and the per-file times.
 */
export default class TotalsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const total = { passed: 0, failed: 0, skipped: 0 };
    const lines: string[] = [];
    for (const module of modules) {
      const counts = { passed: 0, failed: 0, skipped: 0 };
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed" || state === "failed" || state === "skipped") counts[state]++;
      }
      total.passed += counts.passed;
      total.failed += counts.failed;
      total.skipped += counts.skipped;
      const minutes = (module.diagnostic().duration / 60_000).toFixed(1);
      lines.push(
        `  ${module.relativeModuleId}: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ""} (${minutes} min)`,
      );
    }
    process.stdout.write(
      `\nresilience suite: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}\n${lines.join("\n")}\n`,
    );
  }
}
