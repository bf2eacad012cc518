import { renderConfiguredFlow } from "@cvk/contact-flow";
import { describe, expect, it } from "vitest";
import { flowSettings, sameFieldValue } from "./flow-settings.ts";

describe("flowSettings", () => {
  it("reads Set Voice ID, StartVoiceIdStream and the Customer ID from the sample template", () => {
    const { rendered } = renderConfiguredFlow({
      flow: {
        name: "x",
        template: "voiceid-sample-flow",
        parameters: { customerId: "$.Attributes.customerSpeakerId", watchlistId: "W".repeat(22) },
      },
      config: { voiceId: { authenticationThreshold: 85, fraudThreshold: 40 } },
    });
    const settings = flowSettings(rendered.document);
    expect(settings).toMatchObject({
      hasSetVoiceId: true,
      hasStartStream: true,
      customerIds: ["$.Attributes.customerSpeakerId"],
      voiceId: {
        IsVoiceIdStreamingEnabled: "TRUE",
        VoiceAuthenticationThreshold: "85",
        FraudDetectionThreshold: "40",
        VoiceAuthenticationResponseTime: "10",
        WatchlistId: "W".repeat(22),
      },
    });
  });

  it("finds nothing in a document without Voice ID, or in something that is not a flow", () => {
    const plain = {
      Actions: [{ Identifier: "a", Type: "DisconnectParticipant", Parameters: {}, Transitions: {} }],
    };
    expect(flowSettings(plain)).toEqual({
      voiceId: {},
      hasSetVoiceId: false,
      hasStartStream: false,
      customerIds: [],
    });
    expect(flowSettings(null).hasSetVoiceId).toBe(false);
    expect(flowSettings({ Actions: "nope" }).customerIds).toEqual([]);
  });
});

describe("sameFieldValue", () => {
  it("flags ignore case, numbers compare as numbers, other strings exactly", () => {
    expect(sameFieldValue("IsVoiceIdStreamingEnabled", "true", "TRUE")).toBe(true);
    expect(sameFieldValue("IsFraudDetectionEnabled", "TRUE", "FALSE")).toBe(false);
    expect(sameFieldValue("VoiceAuthenticationThreshold", "90", "90.0")).toBe(true);
    expect(sameFieldValue("VoiceAuthenticationThreshold", "90", "95")).toBe(false);
    expect(sameFieldValue("WatchlistId", "abc", "ABC")).toBe(false);
    expect(sameFieldValue("WatchlistId", undefined, undefined)).toBe(true);
    expect(sameFieldValue("WatchlistId", "abc", undefined)).toBe(false);
  });
});
