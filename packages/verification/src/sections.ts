import { resolveVoiceIdDomain, type VoiceIdDomainSpec } from "@cvk/contact-flow";
import { CvkError, isCvkError } from "@cvk/core";
import type { ExpectedSpeakers } from "./expected.ts";
import type { CheckSection, VerificationCheck } from "./report.ts";
import { readWithRetry } from "./retry.ts";
import { speakerChecks } from "./speaker-checks.ts";
import { type SpeakerVerification, type VerifySpeakersOptions, verifySpeakers } from "./speakers.ts";

/** A section's checks, and facts for the JSON report. */
export interface SectionResult {
  checks: VerificationCheck[];
  facts: Record<string, unknown>;
}

/**
 * Runs one section so that an operation failure (access denied, an unreachable endpoint, throttling
 * that outlasted every retry) becomes a failed `<section>.error` check beside the other sections'
 * results, instead of hiding them. Usage and configuration errors (exit code 2) still throw: there is
 * nothing to verify until they are fixed.
 */
export async function guardSection(
  section: CheckSection,
  what: string,
  run: () => Promise<SectionResult>,
): Promise<SectionResult> {
  try {
    return await run();
  } catch (error) {
    if (!isCvkError(error) || error.exitCode !== 1) throw error;
    return {
      checks: [
        {
          id: `${section}.error`,
          section,
          name: `The ${what} could be read`,
          status: "fail",
          summary: `${error.code}: ${error.message}`,
          details: error.hint ? [`hint: ${error.hint}`] : [],
        },
      ],
      facts: { error: error.toJSON() },
    };
  }
}

export interface SpeakerSectionOptions extends Omit<VerifySpeakersOptions, "domainId" | "expected"> {
  expected: ExpectedSpeakers;
  /** The environment's voiceId.domain; without it, the domain the run directory recorded. */
  domain?: VoiceIdDomainSpec;
  showIds?: boolean;
}

/** Finds the domain, verifies the expected speakers in it, and turns the result into checks. */
export async function speakerSection(
  options: SpeakerSectionOptions,
): Promise<SectionResult & { verification?: SpeakerVerification }> {
  const { expected } = options;
  let domainId: string | undefined;
  if (options.domain && (options.domain.id || options.domain.name)) {
    const { create: _create, ...spec } = options.domain;
    try {
      domainId = (
        await readWithRetry(
          () => resolveVoiceIdDomain(options.voiceId, spec),
          { operation: "VoiceID.ListDomains" },
          options.retry,
        )
      ).domainId;
    } catch (error) {
      if (!isCvkError(error) || !["AWS_NOT_FOUND", "INPUT_INVALID"].includes(error.code)) throw error;
      return {
        checks: [
          {
            id: "speakers.domain",
            section: "speakers",
            name: "The expected speakers were enrolled into the domain being verified",
            status: "fail",
            summary: error.message,
            details: error.hint ? [`hint: ${error.hint}`] : [],
          },
        ],
        facts: { source: expected.source },
      };
    }
  } else if (expected.domainId) {
    domainId = expected.domainId;
  } else {
    throw new CvkError("CONFIG_INVALID", "No Voice ID domain to verify the speakers in", {
      hint: "Pass --env NAME with voiceId.domain in cvk.config.yaml, or an enrollment run directory as --expected (it records its domain).",
    });
  }
  const verification = await verifySpeakers({ ...options, domainId, expected: expected.speakers });
  const checks = speakerChecks(expected, verification, {
    ...(options.showIds === undefined ? {} : { showIds: options.showIds }),
    ...(expected.domainId ? { sourceDomainId: expected.domainId } : {}),
  });
  return {
    checks,
    verification,
    facts: {
      source: expected.source,
      domainId,
      expected: verification.callers.length,
      notExpected: expected.notExpected,
      plan: verification.plan,
      ...(verification.switchedToDescribe ? { switchedToDescribe: verification.switchedToDescribe } : {}),
      counts: verification.counts,
      calls: verification.calls,
      ...(verification.domain ? { domain: verification.domain } : {}),
      ...(verification.sample
        ? { sample: { seed: verification.sample.seed, size: verification.sample.comparisons.length } }
        : {}),
    },
  };
}
