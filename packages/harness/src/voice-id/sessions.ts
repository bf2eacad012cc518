/**
 * Voice ID sessions and EvaluateSession.
 *
 * In Amazon Connect a session exists because the contact streams audio to Voice ID (the Set Voice ID
 * block); its name is the Contact-Id (EvaluateSessionRequest.SessionNameOrId). The sandbox has no
 * audio streams, so tests, demos and the Connect emulation create sessions with
 * `VoiceIdEngine.simulateSession`, handing over the caller's audio.
 *
 * EvaluateSession then answers as the model documents:
 * - AuthenticationResult: SPEAKER_ID_NOT_PROVIDED without a speaker; SPEAKER_NOT_ENROLLED,
 *   SPEAKER_OPTED_OUT or SPEAKER_EXPIRED from the speaker's state; NOT_ENOUGH_SPEECH below the
 *   session's speech requirement; otherwise ACCEPT or REJECT by comparing the session's voiceprint
 *   with the enrolled one (Score only on ACCEPT/REJECT). ACCEPT refreshes LastAccessedAt ("last
 *   accessed for enrollment, re-enrollment or a successful authentication").
 * - FraudDetectionResult: NOT_ENOUGH_SPEECH, or HIGH_RISK/LOW_RISK from the known-fraudster risk (the
 *   closest fraudster in the session's watchlist) and the voice-spoofing risk, each compared with
 *   the RiskThreshold ("higher than the threshold": FraudDetectionConfiguration.RiskThreshold).
 * - Result ids are cached "in absence of any new streaming activity, AcceptanceThreshold changes,
 *   or SpeakerId changes" (AuthenticationResult.AuthenticationResultId).
 *
 * Scores. `@cvk/audio` similarity is 0–100 with SAME_SPEAKER_THRESHOLD (50) meaning "same
 * synthetic speaker". The known-fraudster RiskScore is that similarity, so Connect's default fraud
 * threshold of 50 flags the same voice. The authentication Score maps similarity piecewise-linearly
 * so that SAME_SPEAKER_THRESHOLD lands on 90, Connect's default acceptance threshold: with default
 * settings the right caller is accepted and another voice rejected.
 */

import { decodedChunks, measureSpeech, readWavInfo, SAME_SPEAKER_THRESHOLD } from "@cvk/audio";
import { alphanumericId, hashPrefixedId } from "../ids.ts";
import type { ServiceContext } from "../service-context.ts";
import { closestFraudster, similarity, voiceprintOfSamples } from "./audio-analysis.ts";
import {
  type DomainRecord,
  effectiveSpeakerStatus,
  epochSeconds,
  GENERATED_ID,
  invalid,
  notFound,
  type SessionRecord,
  type StreamingStatus,
  VOICE_ID_DEFAULTS,
} from "./model.ts";
import type { VoiceIdState } from "./state.ts";

export interface SimulateSessionOptions {
  /** The session name: in Connect, the Contact-Id (1–36 letters, digits, '_' or '-'). */
  sessionName: string;
  /** The CustomerSpeakerId the flow set (Connect's "Customer ID"); absent → SPEAKER_ID_NOT_PROVIDED. */
  customerSpeakerId?: string;
  /**
   * The caller's audio so far, as a WAV file (any rate and layout; `channel`, default 0, is used)
   * or as samples. A later call with the same session name replaces it; without audio the session
   * has nothing to evaluate yet (NOT_ENOUGH_SPEECH).
   */
  audioPath?: string;
  channel?: number;
  samples?: Float32Array;
  sampleRate?: number;
  /** AuthenticationConfiguration.AcceptanceThreshold (default 90, as Connect's Set Voice ID block). */
  acceptanceThreshold?: number;
  /** FraudDetectionConfiguration.RiskThreshold (default 50, as Connect's block). */
  riskThreshold?: number;
  /** The watchlist fraud detection uses (default: the domain's default watchlist). */
  watchlistId?: string;
  /**
   * Net speech needed before a decision (Connect's authentication response time, 5–10 s;
   * default 10 s, capped at the sandbox's `minNetSpeechSeconds` so a sandbox with shortened
   * enrollment audio authenticates on equally short calls).
   */
  requiredSpeechSeconds?: number;
  /** Default "ONGOING" while the contact is connected. */
  streamingStatus?: StreamingStatus;
  /** VoiceSpoofingRisk.RiskScore to report (the sandbox does not detect spoofing; default 0). */
  voiceSpoofingRisk?: number;
}

export interface SimulatedSession {
  sessionId: string;
  sessionName: string;
}

const SESSION_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;

/** Similarity (0–100) → authentication score (0–100), SAME_SPEAKER_THRESHOLD → 90. */
export function authenticationScore(similarity: number): number {
  const knee = SAME_SPEAKER_THRESHOLD;
  const target = VOICE_ID_DEFAULTS.acceptanceThreshold;
  const score =
    similarity <= knee
      ? (similarity * target) / knee
      : target + ((similarity - knee) * (100 - target)) / (100 - knee);
  return Math.max(0, Math.min(100, Math.round(score)));
}

async function decodeAudio(
  options: SimulateSessionOptions,
): Promise<{ samples: Float32Array; sampleRate: number } | undefined> {
  if (options.samples !== undefined) {
    if (options.sampleRate === undefined) throw invalid("samples need a sampleRate.");
    return { samples: options.samples, sampleRate: options.sampleRate };
  }
  if (options.audioPath === undefined) return undefined;
  const path = options.audioPath;
  const info = await readWavInfo(path);
  const channel = options.channel ?? 0;
  if (channel < 0 || channel >= info.channels) throw invalid(`The recording has no channel ${channel}.`);
  const parts: Float32Array[] = [];
  let length = 0;
  for await (const frames of decodedChunks(path, info)) {
    const samples = frames[channel];
    if (!samples) continue;
    parts.push(Float32Array.from(samples));
    length += samples.length;
  }
  const samples = new Float32Array(length);
  let offset = 0;
  for (const part of parts) {
    samples.set(part, offset);
    offset += part.length;
  }
  return { samples, sampleRate: info.sampleRate };
}

export class SessionService {
  readonly #context: ServiceContext;
  readonly #state: VoiceIdState;

  constructor(context: ServiceContext, state: VoiceIdState) {
    this.#context = context;
    this.#state = state;
  }

  async simulate(domain: DomainRecord, options: SimulateSessionOptions): Promise<SimulatedSession> {
    if (!SESSION_NAME.test(options.sessionName) || options.sessionName.length > 36) {
      throw invalid(
        `Session name '${options.sessionName}' must be 1–36 letters, digits, '_' or '-', starting with a letter or digit.`,
      );
    }
    const watchlistId = options.watchlistId ?? domain.defaultWatchlistId;
    if (!domain.watchlists.some((watchlist) => watchlist.watchlistId === watchlistId)) {
      throw notFound(
        "WATCHLIST",
        `The watchlist ${watchlistId} does not exist in domain ${domain.domainId}.`,
      );
    }
    // CPU work first (no state touched), then one synchronous update.
    let analysed: { speechSeconds: number; durationSeconds: number; voiceprint?: number[] } | undefined;
    const audio = await decodeAudio(options);
    if (audio) {
      const { samples, sampleRate } = audio;
      const speechSeconds = measureSpeech(samples, sampleRate).speechSeconds;
      const voiceprint = voiceprintOfSamples(samples, sampleRate);
      analysed = {
        speechSeconds,
        durationSeconds: samples.length / sampleRate,
        ...(voiceprint ? { voiceprint } : {}),
      };
    }
    const now = this.#context.clock.now();
    const existing = this.#state.sessionByName(domain.domainId, options.sessionName);
    const required =
      options.requiredSpeechSeconds ??
      Math.min(VOICE_ID_DEFAULTS.authenticationSpeechSeconds, this.#context.minNetSpeechSeconds);
    const session: SessionRecord = {
      sessionId: existing?.sessionId ?? hashPrefixedId(),
      sessionName: options.sessionName,
      domainId: domain.domainId,
      ...(options.customerSpeakerId === undefined ? {} : { customerSpeakerId: options.customerSpeakerId }),
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      streamingStatus: options.streamingStatus ?? "ONGOING",
      ...(analysed
        ? {
            audio: {
              startedAt: existing?.audio?.startedAt ?? now,
              endedAt: (existing?.audio?.startedAt ?? now) + analysed.durationSeconds * 1000,
              speechSeconds: analysed.speechSeconds,
              ...(analysed.voiceprint ? { voiceprint: analysed.voiceprint } : {}),
              version: (existing?.audio?.version ?? 0) + 1,
            },
          }
        : existing?.audio
          ? { audio: existing.audio }
          : {}),
      acceptanceThreshold: options.acceptanceThreshold ?? VOICE_ID_DEFAULTS.acceptanceThreshold,
      riskThreshold: options.riskThreshold ?? VOICE_ID_DEFAULTS.riskThreshold,
      watchlistId,
      requiredSpeechSeconds: required,
      voiceSpoofingRisk: options.voiceSpoofingRisk ?? 0,
      ...(existing?.authentication ? { authentication: existing.authentication } : {}),
      ...(existing?.fraudDetection ? { fraudDetection: existing.fraudDetection } : {}),
    };
    this.#state.saveSession(session);
    return { sessionId: session.sessionId, sessionName: session.sessionName };
  }

  /** Marks a simulated session's stream ENDED (the contact hung up). */
  end(domain: DomainRecord, sessionNameOrId: string): void {
    const session = this.#find(domain, sessionNameOrId);
    session.streamingStatus = "ENDED";
    session.updatedAt = this.#context.clock.now();
    this.#state.saveSession(session);
  }

  #find(domain: DomainRecord, sessionNameOrId: string): SessionRecord {
    const session = GENERATED_ID.test(sessionNameOrId)
      ? this.#state.session(domain.domainId, sessionNameOrId)
      : this.#state.sessionByName(domain.domainId, sessionNameOrId);
    if (!session)
      throw notFound(
        "SESSION",
        `The session ${sessionNameOrId} does not exist in domain ${domain.domainId}.`,
      );
    return session;
  }

  /** EvaluateSession. */
  evaluate(domain: DomainRecord, sessionNameOrId: string): Record<string, unknown> {
    const session = this.#find(domain, sessionNameOrId);
    const now = this.#context.clock.now();
    const audio = session.audio;
    const enoughSpeech =
      audio !== undefined &&
      audio.voiceprint !== undefined &&
      audio.speechSeconds >= session.requiredSpeechSeconds;
    const aggregation = audio
      ? {
          AudioAggregationStartedAt: epochSeconds(audio.startedAt),
          AudioAggregationEndedAt: epochSeconds(audio.endedAt),
        }
      : {};

    // --- Authentication ---
    const speakers = this.#state.speakers(domain.domainId);
    const speaker =
      session.customerSpeakerId === undefined ? undefined : speakers.find(session.customerSpeakerId);
    let decision: string;
    let score: number | undefined;
    if (session.customerSpeakerId === undefined) decision = "SPEAKER_ID_NOT_PROVIDED";
    else if (!speaker) decision = "SPEAKER_NOT_ENROLLED";
    else {
      const status = effectiveSpeakerStatus(speaker, now);
      if (status === "OPTED_OUT") decision = "SPEAKER_OPTED_OUT";
      else if (status === "EXPIRED") decision = "SPEAKER_EXPIRED";
      else if (status !== "ENROLLED" || !speaker.voiceprint) decision = "SPEAKER_NOT_ENROLLED";
      else if (!enoughSpeech || !audio?.voiceprint) decision = "NOT_ENOUGH_SPEECH";
      else {
        score = authenticationScore(similarity(speaker.voiceprint, audio.voiceprint));
        decision = score >= session.acceptanceThreshold ? "ACCEPT" : "REJECT";
      }
    }
    const authKey = JSON.stringify([
      audio?.version ?? 0,
      session.acceptanceThreshold,
      session.customerSpeakerId ?? null,
      decision,
    ]);
    let changed = false;
    if (session.authentication?.key !== authKey) {
      session.authentication = { key: authKey, resultId: alphanumericId(22) };
      changed = true;
    }
    if (decision === "ACCEPT" && speaker) {
      speaker.lastAccessedAt = now;
      speakers.save(speaker);
    }

    // --- Fraud detection ---
    const watchlistId = session.watchlistId ?? domain.defaultWatchlistId;
    let fraud: Record<string, unknown>;
    if (!enoughSpeech || !audio?.voiceprint) {
      fraud = { Decision: "NOT_ENOUGH_SPEECH" };
    } else {
      const match = closestFraudster(
        this.#state.fraudsters(domain.domainId).inWatchlist(watchlistId),
        audio.voiceprint,
      );
      const knownRisk = match?.score ?? 0;
      const reasons: string[] = [];
      if (knownRisk > session.riskThreshold) reasons.push("KNOWN_FRAUDSTER");
      if (session.voiceSpoofingRisk > session.riskThreshold) reasons.push("VOICE_SPOOFING");
      fraud = {
        Decision: reasons.length > 0 ? "HIGH_RISK" : "LOW_RISK",
        // "This is only … populated if fraud detection Decision is HIGH_RISK" (FraudDetectionResult.Reasons).
        ...(reasons.length > 0 ? { Reasons: reasons } : {}),
        RiskDetails: {
          KnownFraudsterRisk: {
            RiskScore: knownRisk,
            // "If there are no fraudsters … or no fraudsters with a non-zero RiskScore, this value is null."
            ...(match && knownRisk > 0 ? { GeneratedFraudsterId: match.fraudster.generatedFraudsterId } : {}),
          },
          VoiceSpoofingRisk: { RiskScore: session.voiceSpoofingRisk },
        },
      };
    }
    const fraudKey = JSON.stringify([
      audio?.version ?? 0,
      session.riskThreshold,
      watchlistId,
      fraud.Decision,
    ]);
    if (session.fraudDetection?.key !== fraudKey) {
      session.fraudDetection = { key: fraudKey, resultId: alphanumericId(22) };
      changed = true;
    }
    if (changed) this.#state.saveSession(session);

    return {
      DomainId: domain.domainId,
      SessionId: session.sessionId,
      SessionName: session.sessionName,
      StreamingStatus: session.streamingStatus,
      AuthenticationResult: {
        AuthenticationResultId: session.authentication.resultId,
        ...aggregation,
        ...(session.customerSpeakerId === undefined ? {} : { CustomerSpeakerId: session.customerSpeakerId }),
        ...(speaker ? { GeneratedSpeakerId: speaker.generatedSpeakerId } : {}),
        Decision: decision,
        ...(score === undefined ? {} : { Score: score }),
        Configuration: { AcceptanceThreshold: session.acceptanceThreshold },
      },
      FraudDetectionResult: {
        FraudDetectionResultId: session.fraudDetection.resultId,
        ...aggregation,
        Configuration: { RiskThreshold: session.riskThreshold, WatchlistId: watchlistId },
        ...fraud,
      },
    };
  }
}
