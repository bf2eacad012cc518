import { CvkError, seededRandom } from "@cvk/core";
import { lintFlow, validateFlowContent } from "@cvk/flow-language";
import { describe, expect, it } from "vitest";
import { canonicalJson, type JsonValue } from "./canonical.ts";
import { parseParameterAssignments, renderTemplate } from "./render.ts";
import { resolveTemplate, type TemplateSource } from "./templates.ts";

const sample = () => resolveTemplate("voiceid-sample-flow");
const inline = (text: string): TemplateSource => ({ name: "inline", path: "inline.json.hbs", text });

function failure(run: () => unknown): CvkError {
  try {
    run();
  } catch (error) {
    if (error instanceof CvkError) return error;
    throw error;
  }
  throw new Error("expected a CvkError");
}

type Action = { Identifier: string; Type: string; Parameters: Record<string, JsonValue> };
const actions = (document: JsonValue) => (document as { Actions: Action[] }).Actions;
const action = (document: JsonValue, id: string) =>
  actions(document).find((a) => a.Identifier === id) as Action;

describe("the voiceid-sample-flow template", () => {
  it("renders a flow Connect would publish and the linter passes, with the documented defaults", () => {
    const { document, text, parameters } = renderTemplate(sample(), {
      parameters: { customerId: "$.Attributes.customerSpeakerId" },
    });
    expect(parameters).toMatchObject({
      authenticationThreshold: 90,
      fraudThreshold: 50,
      authenticationResponseTime: 10,
    });
    expect(validateFlowContent(text)).toEqual([]);
    expect(lintFlow(text)).toEqual([]);
    expect(action(document, "set-customer-id").Parameters).toEqual({
      CustomerId: "$.Attributes.customerSpeakerId",
    });
    expect(action(document, "set-voice-id").Parameters).toEqual({
      IsVoiceIdStreamingEnabled: "TRUE",
      IsVoiceAuthenticationEnabled: "TRUE",
      IsFraudDetectionEnabled: "TRUE",
      VoiceAuthenticationThreshold: "90",
      VoiceAuthenticationResponseTime: "10",
      FraudDetectionThreshold: "50",
    });
    expect(action(document, "set-working-queue").Parameters).toEqual({ QueueId: "queue:BasicQueue" });
    // The order of the blocks: welcome → Customer ID → Set Voice ID → collect audio → checks → queue.
    const order = actions(document).map((a) => a.Type);
    expect(order.slice(0, 6)).toEqual([
      "MessageParticipant",
      "UpdateContactData",
      "UpdateContactData",
      "StartVoiceIdStream",
      "MessageParticipant",
      "CheckVoiceId",
    ]);
    // Every action has a designer position, so the flow opens tidily in the console.
    const positions = (document as { Metadata: { ActionMetadata: Record<string, { position?: unknown }> } })
      .Metadata.ActionMetadata;
    for (const a of actions(document)) expect(positions[a.Identifier]?.position, a.Identifier).toBeDefined();
    expect(text).toBe(canonicalJson(JSON.parse(text)));
  });

  it("takes a static Customer ID, a prompt by name, a watchlist and thresholds as text (from --param)", () => {
    const { document } = renderTemplate(sample(), {
      parameters: parseParameterAssignments([
        "customerId=caller-0042",
        "welcomePrompt=prompt:Beep.wav",
        "watchlistId=aB3dE5fG7hJ9kL1mN3pQ5r",
        "authenticationThreshold=95",
        "authenticationResponseTime=5",
      ]),
    });
    expect(action(document, "welcome").Parameters).toEqual({ PromptId: "prompt:Beep.wav" });
    expect(action(document, "set-voice-id").Parameters).toMatchObject({
      VoiceAuthenticationThreshold: "95",
      VoiceAuthenticationResponseTime: "5",
      WatchlistId: "aB3dE5fG7hJ9kL1mN3pQ5r",
    });
    expect(validateFlowContent(JSON.stringify(document))).toEqual([]);
  });

  it("takes thresholds from the environment's voiceId settings, below explicit parameters", () => {
    const config = { voiceId: { authenticationThreshold: 95, fraudThreshold: 40 } };
    const fromConfig = renderTemplate(sample(), { parameters: { customerId: "x" }, config });
    expect(fromConfig.parameters).toMatchObject({ authenticationThreshold: 95, fraudThreshold: 40 });
    const overridden = renderTemplate(sample(), {
      parameters: { customerId: "x", fraudThreshold: 70 },
      config,
    });
    expect(overridden.parameters.fraudThreshold).toBe(70);
  });

  it("refuses missing, unknown and out-of-range parameters with exit code 2, naming them", () => {
    const missing = failure(() => renderTemplate(sample(), {}));
    expect(missing.code).toBe("TEMPLATE_PARAMETER");
    expect(missing.exitCode).toBe(2);
    expect(missing.message).toContain("customerId");

    const typo = failure(() =>
      renderTemplate(sample(), { parameters: { customerId: "x", Queue: "queue:Q" } }),
    );
    expect(typo.message).toContain("did you mean queue?");
    expect(
      failure(() => renderTemplate(sample(), { parameters: { customerId: "x", fraudThreshold: 101 } }))
        .message,
    ).toContain("fraudThreshold must be at most 100");
    expect(
      failure(() =>
        renderTemplate(sample(), { parameters: { customerId: "x", authenticationResponseTime: "4" } }),
      ).message,
    ).toContain("at least 5");
    expect(
      failure(() => renderTemplate(sample(), { parameters: { customerId: "has space" } })).message,
    ).toContain("CustomerSpeakerId");
    const all = failure(() =>
      renderTemplate(sample(), { parameters: { fraudThreshold: -1, watchlistId: "short" } }),
    );
    expect(all.details?.problems).toHaveLength(3);
  });
});

describe("renderTemplate", () => {
  it("names a variable no parameter sets, at its line", () => {
    const error = failure(() =>
      renderTemplate(inline('{\n  "a": {{json queue}},\n  "b": {{json other}}\n}'), {
        parameters: { queue: "q" },
      }),
    );
    expect(error.code).toBe("TEMPLATE_PARAMETER");
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('"other"');
    expect(error.message).toContain("inline:3:");
    // Inside {{#each}} the context moves: the check happens while rendering.
    const nested = failure(() =>
      renderTemplate(inline('{"a": [{{#each xs}}{{json this.q}}{{/each}}]}'), { parameters: { xs: [{}] } }),
    );
    expect(nested.code).toBe("TEMPLATE_PARAMETER");
    expect(nested.message).toContain("inline:1:20: {{json this.q}} has no value");
  });

  it("refuses a value written without the json helper, inside quotes, or through a partial", () => {
    for (const text of [
      '{"a": {{queue}} }',
      '{"a": {{{queue}}} }',
      '{"a": "{{json queue}}"}',
      '{"a": "x {{json queue}}"}',
      "{{> part}}",
      '{"a": {{#custom}}1{{/custom}} }',
    ]) {
      const error = failure(() => renderTemplate(inline(text), { parameters: { queue: "q" } }));
      expect(error.code, text).toBe("TEMPLATE_INVALID");
    }
    const triple = failure(() =>
      renderTemplate(inline('{"a": {{json queue}}}'), { parameters: { queue: "q" } }),
    );
    expect(triple.hint).toContain("triple-stash");
  });

  it("reports a template that renders invalid JSON with the rendered line", () => {
    const error = failure(() =>
      renderTemplate(inline('{\n  "a": {{json x}}\n  "b": 1\n}'), { parameters: { x: 1 } }),
    );
    expect(error.code).toBe("TEMPLATE_INVALID");
    expect(error.message).toMatch(/rendered line 3/);
  });

  it("refuses runaway nesting before canonicalising it (it overflowed the stack)", () => {
    const depth = 20_000;
    const error = failure(() =>
      renderTemplate(inline(`{"a": ${"[".repeat(depth)}{{json x}}${"]".repeat(depth)}}`), {
        parameters: { x: 1 },
      }),
    );
    expect(error.code).toBe("TEMPLATE_INVALID");
    expect(error.message).toMatch(/nested more than 256 levels deep/);
    const fine = renderTemplate(inline(`{"a": ${"[".repeat(200)}{{json x}}${"]".repeat(200)}}`), {
      parameters: { x: 1 },
    });
    expect(fine.text).toContain("1");
  });

  it("canonicalises: the same document in any key order renders the same text", () => {
    const a = renderTemplate(inline('{"b": {{json x}}, "a": [1, {"z": 1, "y": 2}], "Version": "v"}'), {
      parameters: { x: 1 },
    });
    const b = renderTemplate(inline('{"Version": "v", "a": [1, {"y": 2, "z": 1}], "b": {{json x}} }'), {
      parameters: { x: 1 },
    });
    expect(a.text).toBe(b.text);
    expect(a.text.startsWith('{\n  "Version": "v",')).toBe(true);
  });

  it("fuzzed values never break the JSON and come back exactly (seeded)", () => {
    const random = seededRandom(20261124);
    const alphabet = [
      '"',
      "\\",
      "}}",
      "{{",
      "{{json x}}",
      "}",
      "{",
      "\n",
      "\r",
      "\t",
      "\u0000",
      "\u0001",
      "\u001f",
      "\u007f",
      "\u2028",
      "\u2029",
      "é",
      "日本",
      "😀",
      "\ud83d",
      "\ude00",
      "$.Attributes.x",
      "queue:",
      " ",
      ",",
      ":",
      "[",
      "]",
      "</script>",
      "<speak>",
      "&amp;",
      "'",
      "`",
      "a",
      "Z",
      "0",
    ];
    const text = () =>
      Array.from(
        { length: 1 + Math.floor(random() * 12) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join("");
    const template = inline(
      '{ "Text": {{json text}}, "Map": { {{json key}}: {{json text}} }, "List": [{{json text}}, {{json (string text)}}], "Obj": {{json obj}} }',
    );
    for (let i = 0; i < 500; i++) {
      const parameters = {
        text: text(),
        key: text(),
        obj: { [text()]: [text(), random() * 1e6, random() < 0.5, null] },
      };
      const { document, text: rendered } = renderTemplate(template, { parameters });
      expect(() => JSON.parse(rendered)).not.toThrow();
      expect(document).toEqual({
        Text: parameters.text,
        Map: { [parameters.key]: parameters.text },
        List: [parameters.text, parameters.text],
        Obj: parameters.obj,
      });
      expect(JSON.parse(rendered)).toEqual(document);
    }
    // The sample flow's own message parameters too: still a flow Connect accepts, values intact.
    for (let i = 0; i < 50; i++) {
      const welcomeMessage = `x${text()}`;
      const errorMessage = `y${text()}`;
      const { document } = renderTemplate(sample(), {
        parameters: { customerId: "c1", welcomeMessage, errorMessage },
      });
      expect(action(document, "welcome").Parameters.Text).toBe(welcomeMessage);
      expect(action(document, "error-message").Parameters.Text).toBe(errorMessage);
    }
  });
});

describe("parseParameterAssignments", () => {
  it("splits at the first = and refuses a pair without a name", () => {
    expect(parseParameterAssignments(["a=b=c", "q=queue:Basic Queue", "e="])).toEqual({
      a: "b=c",
      q: "queue:Basic Queue",
      e: "",
    });
    expect(() => parseParameterAssignments(["=x"])).toThrow(/not name=value/);
    expect(() => parseParameterAssignments(["novalue"])).toThrow(/not name=value/);
  });
});
