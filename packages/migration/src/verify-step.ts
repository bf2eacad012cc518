import { join } from "node:path";
import {
  type AwsClients,
  type CvkEventListener,
  type EnvironmentSelection,
  writeFileAtomic,
} from "@cvk/core";
import type { StepContext } from "./context.ts";
import type { EnrollmentOutcome, VerificationCheckResult, VerificationOutcome } from "./types.ts";

/** What the `verify all` step is given: everything the migration knows about the environment now. */
export interface VerifyInput {
  environment: EnvironmentSelection;
  clients: AwsClients;
  instanceId?: string;
  domainId: string;
  /** The enrollment run directory: who is expected to be enrolled. */
  enrollmentRunDir?: string;
  /** Where the verification may write its reports (JUnit XML, JSON, Markdown). */
  outDir: string;
  signal?: AbortSignal;
  onEvent: CvkEventListener;
}

/** Runs `verify all` for the environment and says what passed. */
export type VerifyFunction = (input: VerifyInput) => Promise<VerificationOutcome>;

const STATUS: Record<string, VerificationCheckResult["status"]> = {
  pass: "passed",
  fail: "failed",
  skip: "skipped",
};

/**
 * `cvk verify all` through @cvk/verification: the speakers the enrollment run enrolled are in the
 * domain, the flows are deployed as rendered and published, Voice ID is on for the instance. Its
 * reports (JSON, JUnit XML, Markdown) are written to `outDir`.
 */
export async function verifyAll(input: VerifyInput): Promise<VerificationOutcome> {
  const verification = await import("@cvk/verification");
  const scope = input.instanceId ? "all" : "speakers";
  const report = await verification.verifyEnvironment({
    scope,
    environment: input.environment,
    clients: input.clients,
    ...(input.instanceId ? { instanceId: input.instanceId } : {}),
    // The sweep sees every caller; 20 of them are also re-read one by one, as a cross-check.
    ...(input.enrollmentRunDir ? { expected: input.enrollmentRunDir, sample: 20 } : {}),
    ...(input.domainId ? { domain: { id: input.domainId } } : {}),
    onEvent: input.onEvent,
  });
  const paths = {
    json: join(input.outDir, "verification.json"),
    junit: join(input.outDir, "junit.xml"),
    markdown: join(input.outDir, "verification.md"),
  };
  await writeFileAtomic(paths.json, verification.renderJson(report));
  await writeFileAtomic(paths.junit, verification.renderJunit(report));
  await writeFileAtomic(paths.markdown, verification.renderMarkdown(report));
  return {
    passed: report.passed,
    counts: { passed: report.summary.passed, failed: report.summary.failed, skipped: report.summary.skipped },
    checks: report.checks.map((check) => ({
      group: check.section,
      name: check.name,
      status: STATUS[check.status] ?? "failed",
      message: check.summary,
    })),
    paths,
  };
}

export async function verifyStep(
  context: StepContext,
  domainId: string,
  enrollment: EnrollmentOutcome | undefined,
): Promise<{ outcome: VerificationOutcome | undefined; summary: string; skipped: boolean }> {
  const verify = context.options.verify ?? verifyAll;
  if (!enrollment?.paths.run && !context.options.instanceId) {
    return {
      outcome: undefined,
      summary: "nothing to verify (no enrollment run, no instance)",
      skipped: true,
    };
  }
  const outcome = await verify({
    environment: context.options.environment,
    clients: context.clients,
    ...(context.options.instanceId ? { instanceId: context.options.instanceId } : {}),
    domainId,
    ...(enrollment?.paths.run ? { enrollmentRunDir: enrollment.paths.run } : {}),
    outDir: join(context.dir, "verification"),
    ...(context.signal ? { signal: context.signal } : {}),
    onEvent: context.events("verify"),
  });
  const { passed, failed, skipped } = outcome.counts;
  return {
    outcome,
    summary: `${outcome.passed ? "passed" : "FAILED"}: ${passed} check(s) passed, ${failed} failed, ${skipped} skipped`,
    skipped: false,
  };
}
