import type { ExpectedSpeakers } from "./expected.ts";
import { type CallerFinding, speakerIdForReport, type VerificationCheck } from "./report.ts";
import type { CallerResult, SpeakerOutcome, SpeakerVerification } from "./speakers.ts";

/**
 * Speaker checks: one per way a caller can fail to be enrolled, so a deleted speaker fails
 * `speakers.missing` and nothing else, an opted-out one `speakers.opted-out` and nothing else.
 */

/** Callers listed in a check's details; the structured `callers` list has them all. */
const DETAIL_LINES = 20;

function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

function finding(caller: CallerResult, showIds: boolean): CallerFinding {
  return {
    customerSpeakerId: speakerIdForReport(caller.customerSpeakerId, showIds),
    outcome: caller.outcome,
    ...(caller.generatedSpeakerId ? { generatedSpeakerId: caller.generatedSpeakerId } : {}),
    ...(caller.expectedGeneratedSpeakerId && caller.expectedGeneratedSpeakerId !== caller.generatedSpeakerId
      ? { expectedGeneratedSpeakerId: caller.expectedGeneratedSpeakerId }
      : {}),
    ...(caller.status ? { status: caller.status } : {}),
  };
}

function describeFinding(f: CallerFinding): string {
  const parts = [f.customerSpeakerId];
  if (f.generatedSpeakerId) parts.push(`(${f.generatedSpeakerId})`);
  if (f.expectedGeneratedSpeakerId) parts.push(`expected ${f.expectedGeneratedSpeakerId}`);
  if (f.status && f.status !== f.outcome) parts.push(`status ${f.status}`);
  if (f.note) parts.push(f.note);
  return parts.join(" ");
}

function listed(findings: CallerFinding[]): string[] {
  const lines = findings.slice(0, DETAIL_LINES).map(describeFinding);
  if (findings.length > DETAIL_LINES) lines.push(`… and ${findings.length - DETAIL_LINES} more`);
  return lines;
}

interface OutcomeCheck {
  id: string;
  outcome: SpeakerOutcome;
  name: string;
  /** e.g. "missing from domain X". */
  state: string;
  hint: string;
}

const OUTCOME_CHECKS: OutcomeCheck[] = [
  {
    id: "speakers.missing",
    outcome: "MISSING",
    name: "No expected caller is missing from the domain",
    state: "missing from the domain",
    hint: "Re-enroll them (a retry.csv or a new plan with `cvk enroll run`); check the domain is the one the run used.",
  },
  {
    id: "speakers.opted-out",
    outcome: "OPTED_OUT",
    name: "No expected caller has opted out",
    state: "opted out (no voiceprint; enrollment is refused until the speaker is deleted)",
    hint: "Opt-outs are the caller's choice: remove them from the caller list, or DeleteSpeaker first if they opted back in.",
  },
  {
    id: "speakers.expired",
    outcome: "EXPIRED",
    name: "No expected caller has expired",
    state: "expired (not accessed for three years; Voice ID expires them for BIPA)",
    hint: "Re-enroll them to restore them, or delete them.",
  },
  {
    id: "speakers.pending",
    outcome: "PENDING",
    name: "No expected caller is PENDING (or in a status cvk does not know)",
    state: "not ENROLLED (PENDING or an unknown status)",
    hint: "PENDING is not documented by AWS; check again later, then re-enroll if it stays.",
  },
  {
    id: "speakers.generated-id",
    outcome: "GENERATED_ID_MISMATCH",
    name: "Every enrolled caller has the GeneratedSpeakerId the enrollment output recorded",
    state: "enrolled under another GeneratedSpeakerId than the enrollment output recorded",
    hint: "The speaker was deleted and enrolled again since; contact records and event streams name the new id.",
  },
];

export interface SpeakerCheckOptions {
  showIds?: boolean;
  /** The domain the expected source recorded, when it differs from the one verified. */
  sourceDomainId?: string;
}

export function speakerChecks(
  expected: ExpectedSpeakers,
  result: SpeakerVerification,
  options: SpeakerCheckOptions = {},
): VerificationCheck[] {
  const showIds = options.showIds === true;
  const total = result.callers.length;
  const checks: VerificationCheck[] = [];
  const notExpected = Object.entries(expected.notExpected)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${n} ${reason}`);
  checks.push({
    id: "speakers.expected",
    section: "speakers",
    name: "The expected-speaker source names callers to verify",
    status: total > 0 ? "pass" : "fail",
    summary:
      total > 0
        ? `${plural(total, "expected caller")} from the ${expected.source.kind.replace("-", " ")} ${expected.source.path}`
        : `the ${expected.source.kind.replace("-", " ")} ${expected.source.path} names no enrolled caller`,
    details: [
      ...(notExpected.length > 0
        ? [`not expected (the source did not enroll them): ${notExpected.join(", ")}`]
        : []),
      `plan: ${result.plan.strategy}${result.plan.budgeted ? " (budgeted)" : ""} — ${result.plan.reason}`,
      `calls: ${result.calls.listSpeakers} ListSpeakers, ${result.calls.describeSpeaker} DescribeSpeaker${result.calls.retries > 0 ? ` (${result.calls.retries} retried after throttling)` : ""}`,
      ...(result.switchedToDescribe
        ? [
            `the sweep stopped at its budget after ${result.switchedToDescribe.afterPages} page(s); ${result.switchedToDescribe.described} caller(s) were described`,
          ]
        : []),
      ...(result.domain
        ? [
            `the domain lists ${plural(result.domain.listed, "speaker")}, ${result.domain.unexpected} not expected`,
          ]
        : []),
    ],
  });
  if (options.sourceDomainId && options.sourceDomainId !== result.domainId) {
    checks.push({
      id: "speakers.domain",
      section: "speakers",
      name: "The expected speakers were enrolled into the domain being verified",
      status: "fail",
      summary: `the source enrolled into domain ${options.sourceDomainId}, but the environment's domain is ${result.domainId}`,
      details: ["Pass the run directory of this environment, or fix voiceId.domain in cvk.config.yaml."],
    });
  }

  for (const spec of OUTCOME_CHECKS) {
    const callers = result.callers.filter((caller) => caller.outcome === spec.outcome);
    const base = { id: spec.id, section: "speakers" as const, name: spec.name };
    if (
      spec.outcome === "GENERATED_ID_MISMATCH" &&
      !result.callers.some((c) => c.expectedGeneratedSpeakerId)
    ) {
      checks.push({
        ...base,
        status: "skip",
        summary: `the ${expected.source.kind.replace("-", " ")} records no GeneratedSpeakerIds to compare`,
        details: [],
      });
      continue;
    }
    if (callers.length === 0) {
      checks.push({
        ...base,
        status: "pass",
        summary: total === 0 ? "no caller to check" : `none of ${plural(total, "expected caller")}`,
        details: [],
      });
      continue;
    }
    const findings = callers.map((caller) => finding(caller, showIds));
    checks.push({
      ...base,
      status: "fail",
      summary: `${callers.length} of ${plural(total, "expected caller")} ${callers.length === 1 ? "is" : "are"} ${spec.state}`,
      details: [...listed(findings), `hint: ${spec.hint}`],
      callers: findings,
    });
  }

  const sampleBase = {
    id: "speakers.sample",
    section: "speakers" as const,
    name: "DescribeSpeaker agrees with the ListSpeakers sweep for a random sample",
  };
  if (!result.sample) {
    checks.push({
      ...sampleBase,
      status: "skip",
      summary:
        result.plan.strategy === "describe"
          ? "every caller was read with DescribeSpeaker"
          : "no sample requested (--sample N)",
      details: [],
    });
  } else {
    const disagreeing = result.sample.comparisons.filter((c) => !c.agrees);
    const size = result.sample.comparisons.length;
    const repeat = `sample seed ${result.sample.seed} (repeat with --sample-seed ${result.sample.seed})`;
    checks.push({
      ...sampleBase,
      status: disagreeing.length === 0 ? "pass" : "fail",
      summary:
        disagreeing.length === 0
          ? `${plural(size, "sampled caller")} read the same both ways`
          : `${disagreeing.length} of ${plural(size, "sampled caller")} read differently by DescribeSpeaker than by ListSpeakers`,
      details: [
        ...listed(
          disagreeing.map((c) => ({
            ...finding(c.describe, showIds),
            note: `listed as ${c.sweep.outcome}${c.sweep.status ? ` (${c.sweep.status})` : ""}, described as ${c.describe.outcome}`,
          })),
        ),
        repeat,
      ],
      ...(disagreeing.length > 0
        ? {
            callers: disagreeing.map((c) => ({
              ...finding(c.describe, showIds),
              note: `listed as ${c.sweep.outcome}`,
            })),
          }
        : {}),
    });
  }
  return checks;
}
