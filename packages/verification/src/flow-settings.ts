import type { EnvironmentConfig } from "@cvk/core";

/**
 * What a flow document says about Voice ID and the Customer ID, read from its actions:
 *
 * - "Set Voice ID" is an `UpdateContactData` action carrying the Voice ID fields, followed by
 *   `StartVoiceIdStream` (https://docs.aws.amazon.com/connect/latest/APIReference/contact-actions-updatecontactdata.html,
 *   …/adminguide/flow-control-actions-checkvoiceid.html; aws-facts.md §6);
 * - the system Customer ID — "the CustomerSpeakerId Voice ID looks up" — is `UpdateContactData`'s
 *   `CustomerId` (…/adminguide/set-voice-id.html).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The Voice ID fields of UpdateContactData; all strings on the wire. */
export const VOICE_ID_FIELDS = [
  "IsVoiceIdStreamingEnabled",
  "IsVoiceAuthenticationEnabled",
  "IsFraudDetectionEnabled",
  "VoiceAuthenticationThreshold",
  "VoiceAuthenticationResponseTime",
  "FraudDetectionThreshold",
  "WatchlistId",
] as const;
export type VoiceIdField = (typeof VOICE_ID_FIELDS)[number];

/** The config key that sets a field, for "as configured" (the template maps these keys, render.ts). */
export const CONFIGURED_FIELDS: Partial<
  Record<VoiceIdField, { key: string; read: (c: EnvironmentConfig) => number | undefined }>
> = {
  VoiceAuthenticationThreshold: {
    key: "voiceId.authenticationThreshold",
    read: (c) => c.voiceId?.authenticationThreshold,
  },
  VoiceAuthenticationResponseTime: {
    key: "voiceId.authenticationResponseTime",
    read: (c) => c.voiceId?.authenticationResponseTime,
  },
  FraudDetectionThreshold: { key: "voiceId.fraudThreshold", read: (c) => c.voiceId?.fraudThreshold },
};

export interface FlowSettings {
  /** Voice ID fields set by the flow's UpdateContactData actions (last one wins, as the flow runs them). */
  voiceId: Partial<Record<VoiceIdField, string>>;
  /** Whether any UpdateContactData sets a Voice ID field. */
  hasSetVoiceId: boolean;
  /** Whether a StartVoiceIdStream action is present. */
  hasStartStream: boolean;
  /** Every CustomerId an UpdateContactData sets. */
  customerIds: string[];
}

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function flowSettings(document: unknown): FlowSettings {
  const settings: FlowSettings = {
    voiceId: {},
    hasSetVoiceId: false,
    hasStartStream: false,
    customerIds: [],
  };
  const actions = isObject(document) && Array.isArray(document.Actions) ? document.Actions : [];
  for (const action of actions) {
    if (!isObject(action)) continue;
    if (action.Type === "StartVoiceIdStream") settings.hasStartStream = true;
    if (action.Type !== "UpdateContactData" || !isObject(action.Parameters)) continue;
    const parameters = action.Parameters;
    for (const field of VOICE_ID_FIELDS) {
      const value = parameters[field];
      if (value === undefined || value === null) continue;
      settings.hasSetVoiceId = true;
      settings.voiceId[field] = typeof value === "string" ? value : JSON.stringify(value);
    }
    if (typeof parameters.CustomerId === "string") settings.customerIds.push(parameters.CustomerId);
  }
  return settings;
}

/**
 * Whether two wire values of a field mean the same: flags compare case-insensitively (the docs say
 * "TRUE"/"FALSE", a console export writes "true"; whether case matters is not documented, aws-facts.md
 * §6), numbers as numbers ("90" = "90.0"), anything else exactly.
 */
export function sameFieldValue(field: VoiceIdField, a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (field.startsWith("Is")) return a.toUpperCase() === b.toUpperCase();
  if (/^-?\d+(\.\d+)?$/.test(a.trim()) && /^-?\d+(\.\d+)?$/.test(b.trim())) return Number(a) === Number(b);
  return a === b;
}
