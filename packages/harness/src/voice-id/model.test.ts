/**
 * Driven by the official Smithy model, read in place from shared/reference (never copied):
 * - `shapes.ts` must agree with the model (operations, members, required sets, lengths, patterns,
 *   enums, ranges), so drift is caught;
 * - for every operation, over the wire: each required member omitted (nested ones too), each enum
 *   given a bad value, and each length/range bound crossed → ValidationException with AWS's message.
 */

import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedSandbox, TRANSPORTS } from "../test-support.ts";
import { OPERATION_INPUTS, type Shape } from "./shapes.ts";
import { MODEL_PATH, MODEL_PRESENT, ROLE_ARN, rawCall, start } from "./test-support.ts";

interface ModelShape {
  type: string;
  members?: Record<string, { target: string; traits?: Record<string, unknown> }>;
  member?: { target: string };
  traits?: Record<string, unknown>;
  input?: { target: string };
}

if (!MODEL_PRESENT) {
  console.log(`Voice ID model not found at ${MODEL_PATH}: the model-driven tests are skipped.`);
}

const shapes: Record<string, ModelShape> = MODEL_PRESENT
  ? (JSON.parse(readFileSync(MODEL_PATH, "utf8")) as { shapes: Record<string, ModelShape> }).shapes
  : {};
const NS = "com.amazonaws.voiceid#";
const local = (target: string) => target.replace(/^.*#/, "");
const modelShape = (target: string): ModelShape => {
  const shape = shapes[target];
  if (!shape) throw new Error(`No shape ${target} in the model`);
  return shape;
};
const operations = Object.entries(shapes)
  .filter(([, shape]) => shape.type === "operation")
  .map(([id, shape]) => ({ name: local(id), input: shape.input?.target as string }))
  .sort((a, b) => a.name.localeCompare(b.name));

type Bounds = { min?: number; max?: number } | undefined;
const lengthOf = (shape: ModelShape): Bounds => shape.traits?.["smithy.api#length"] as Bounds;
const rangeOf = (shape: ModelShape): Bounds => shape.traits?.["smithy.api#range"] as Bounds;
const enumOf = (shape: ModelShape): string[] | undefined =>
  (shape.traits?.["smithy.api#enum"] as { value: string }[] | undefined)?.map((entry) => entry.value);

/** Valid sample values for the model's string shapes (an unlisted shape fails the test: add it). */
const SAMPLE_STRINGS: Record<string, string> = {
  DomainId: "A".repeat(22),
  WatchlistId: "A".repeat(22),
  JobId: "A".repeat(22),
  FraudsterId: `id#${"A".repeat(22)}`,
  SpeakerId: "speaker-1",
  SessionNameOrId: "contact-1",
  DomainName: "name-1",
  WatchlistName: "name-1",
  JobName: "name-1",
  Description: "A description: 100% valid",
  WatchlistDescription: "A description",
  KmsKeyId: "alias/voice-id",
  ClientTokenString: "token-1",
  TagKey: "team",
  TagValue: "voice",
  AmazonResourceName: `arn:aws:voiceid:us-west-2:123456789012:domain/${"A".repeat(22)}`,
  IamRoleArn: ROLE_ARN,
  S3Uri: "s3://bucket/manifest.json",
};

/** A valid value with every member present (NextToken left out: any real token is checked against a listing). */
function sample(target: string): unknown {
  const shape = modelShape(target);
  switch (shape.type) {
    case "string": {
      const values = enumOf(shape);
      if (values) return values[0];
      const value = SAMPLE_STRINGS[local(target)];
      if (value === undefined) throw new Error(`Add a sample value for string shape ${local(target)}`);
      return value;
    }
    case "integer":
      return rangeOf(shape)?.min ?? 1;
    case "list":
      return [sample(shape.member?.target as string)];
    case "structure": {
      const out: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        if (local(member.target) === "NextToken") continue;
        out[name] = sample(member.target);
      }
      return out;
    }
    default:
      throw new Error(`Unexpected input shape type ${shape.type} (${target})`);
  }
}

type Key = string | number;
interface Site {
  /** Where in the body (object keys and list indexes). */
  keys: Key[];
  /** How AWS names it in messages: lowerCamel members, `.1.member` for list items. */
  path: string;
  target: string;
  required: boolean;
}

/** Every member reachable in the sample body. */
function sites(target: string, keys: Key[] = [], path = ""): Site[] {
  const shape = modelShape(target);
  const out: Site[] = [];
  if (shape.type === "structure") {
    for (const [name, member] of Object.entries(shape.members ?? {})) {
      if (local(member.target) === "NextToken") continue;
      const memberPath =
        path === ""
          ? name.charAt(0).toLowerCase() + name.slice(1)
          : `${path}.${name.charAt(0).toLowerCase()}${name.slice(1)}`;
      const required = member.traits?.["smithy.api#required"] !== undefined;
      out.push({ keys: [...keys, name], path: memberPath, target: member.target, required });
      out.push(...sites(member.target, [...keys, name], memberPath));
    }
  } else if (shape.type === "list") {
    out.push(...sites(shape.member?.target as string, [...keys, 0], `${path}.1.member`));
  }
  return out;
}

function withValue(body: unknown, keys: Key[], value: unknown): unknown {
  const copy = structuredClone(body) as Record<Key, unknown>;
  let node = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<Key, unknown>;
  const last = keys[keys.length - 1] as Key;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** Shape constraints in a comparable form, from the model and from shapes.ts. */
function modelSummary(target: string, seen = new Set<string>()): unknown {
  const shape = modelShape(target);
  const name = local(target);
  switch (shape.type) {
    case "string":
      return {
        kind: "string",
        name,
        length: lengthOf(shape) ? [lengthOf(shape)?.min, lengthOf(shape)?.max] : undefined,
        pattern: shape.traits?.["smithy.api#pattern"],
        enum: enumOf(shape),
        sensitive: shape.traits?.["smithy.api#sensitive"] !== undefined || undefined,
      };
    case "integer":
      return {
        kind: "integer",
        name,
        range: rangeOf(shape) ? [rangeOf(shape)?.min, rangeOf(shape)?.max] : undefined,
      };
    case "list":
      return {
        kind: "list",
        name,
        length: lengthOf(shape) ? [lengthOf(shape)?.min, lengthOf(shape)?.max] : undefined,
        member: modelSummary(shape.member?.target as string, seen),
      };
    case "structure":
      return {
        kind: "structure",
        name,
        members: Object.fromEntries(
          Object.entries(shape.members ?? {}).map(([member, definition]) => [
            member,
            {
              required: definition.traits?.["smithy.api#required"] !== undefined,
              target: modelSummary(definition.target, seen),
            },
          ]),
        ),
      };
    default:
      return { kind: shape.type, name };
  }
}

function codeSummary(shape: Shape): unknown {
  switch (shape.kind) {
    case "string":
      return {
        kind: "string",
        name: shape.name,
        length: shape.length ? [...shape.length] : undefined,
        pattern: shape.pattern,
        enum: shape.enum ? [...shape.enum] : undefined,
        sensitive: shape.sensitive || undefined,
      };
    case "integer":
      return { kind: "integer", name: shape.name, range: shape.range ? [...shape.range] : undefined };
    case "list":
      return {
        kind: "list",
        name: shape.name,
        length: shape.length ? [...shape.length] : undefined,
        member: codeSummary(shape.member),
      };
    case "structure":
      return {
        kind: "structure",
        name: shape.name,
        members: Object.fromEntries(
          Object.entries(shape.members).map(([member, definition]) => [
            member,
            { required: definition.required, target: codeSummary(definition.target) },
          ]),
        ),
      };
  }
}

describe.skipIf(!MODEL_PRESENT)("shapes.ts agrees with the Voice ID Smithy model", () => {
  it("covers exactly the model's 29 operations", () => {
    expect(operations).toHaveLength(29);
    expect(Object.keys(OPERATION_INPUTS).sort()).toEqual(operations.map((operation) => operation.name));
  });

  it.each(operations.map((operation) => [operation.name, operation.input] as const))(
    "%s input matches the model",
    (name, input) => {
      const code = OPERATION_INPUTS[name as keyof typeof OPERATION_INPUTS];
      expect(codeSummary(code)).toEqual(JSON.parse(JSON.stringify(modelSummary(input))));
    },
  );

  it("compiles every pattern with the u flag", () => {
    for (const [id, shape] of Object.entries(shapes)) {
      const pattern = shape.traits?.["smithy.api#pattern"];
      if (typeof pattern === "string") expect(() => new RegExp(pattern, "u"), id).not.toThrow();
    }
    expect(NS).toBe("com.amazonaws.voiceid#");
  });
});

for (const transport of TRANSPORTS) {
  describe.skipIf(!MODEL_PRESENT)(
    `every operation validates its input as the model says (${transport})`,
    () => {
      let started: StartedSandbox;
      beforeAll(async () => {
        started = await start(transport);
      });
      afterAll(async () => {
        await started.stop();
      });
      const call = (operation: string, body: unknown) =>
        rawCall(started, `VoiceID.${operation}`, JSON.stringify(body));

      it.each(operations.map((operation) => [operation.name, operation.input] as const))(
        "%s",
        async (name, input) => {
          const body = sample(input);
          const baseline = await call(name, body);
          // The sample is valid: whatever the answer, it is not a validation failure.
          expect(baseline.json.__type, `${name} baseline: ${String(baseline.json.message)}`).not.toBe(
            "ValidationException",
          );
          expect(baseline.json.__type).not.toBe("SerializationException");

          let probes = 0;
          for (const site of sites(input)) {
            const shape = modelShape(site.target);
            const expectFailure = async (value: unknown, fragment: string) => {
              probes++;
              const answer = await call(name, withValue(body, site.keys, value));
              expect(answer.status, `${name} ${site.path} ${fragment}`).toBe(400);
              expect(answer.json.__type).toBe("ValidationException");
              expect(answer.json.message).toMatch(/^\d+ validation errors? detected: /);
              expect(answer.json.message).toContain(fragment);
            };
            if (site.required) {
              await expectFailure(
                undefined,
                `Value null at '${site.path}' failed to satisfy constraint: Member must not be null`,
              );
              await expectFailure(
                null,
                `Value null at '${site.path}' failed to satisfy constraint: Member must not be null`,
              );
            }
            const values = enumOf(shape);
            if (values) {
              await expectFailure(
                "BOGUS",
                `Value 'BOGUS' at '${site.path}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(", ")}]`,
              );
            }
            const length = lengthOf(shape);
            if (shape.type === "string" && length?.max !== undefined) {
              await expectFailure(
                "a".repeat(length.max + 1),
                `at '${site.path}' failed to satisfy constraint: Member must have length less than or equal to ${length.max}`,
              );
            }
            if (shape.type === "string" && length?.min !== undefined && length.min > 0) {
              await expectFailure(
                "",
                `at '${site.path}' failed to satisfy constraint: Member must have length greater than or equal to ${length.min}`,
              );
            }
            if (
              shape.type === "string" &&
              typeof shape.traits?.["smithy.api#pattern"] === "string" &&
              !values
            ) {
              const pattern = (shape.traits["smithy.api#pattern"] as string)
                .replace(/^\^/, "")
                .replace(/\$$/, "");
              if (!new RegExp(shape.traits["smithy.api#pattern"] as string, "u").test("~~~")) {
                await expectFailure(
                  "~~~",
                  `failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`,
                );
              }
            }
            if (shape.type === "list" && length?.max !== undefined && length.max <= 200) {
              const item = sample(shape.member?.target as string);
              await expectFailure(
                Array.from({ length: length.max + 1 }, () => item),
                `at '${site.path}' failed to satisfy constraint: Member must have length less than or equal to ${length.max}`,
              );
            }
            if (shape.type === "list" && length?.min !== undefined && length.min > 0) {
              await expectFailure(
                [],
                `at '${site.path}' failed to satisfy constraint: Member must have length greater than or equal to ${length.min}`,
              );
            }
            const range = rangeOf(shape);
            if (range?.min !== undefined) {
              await expectFailure(
                range.min - 1,
                `Value '${range.min - 1}' at '${site.path}' failed to satisfy constraint: Member must have value greater than or equal to ${range.min}`,
              );
            }
            if (range?.max !== undefined) {
              await expectFailure(
                range.max + 1,
                `Value '${range.max + 1}' at '${site.path}' failed to satisfy constraint: Member must have value less than or equal to ${range.max}`,
              );
            }
          }
          // Operations with inputs have something to probe; each probe above asserted its own answer.
          expect(probes).toBeGreaterThan(0);
        },
      );
    },
  );
}
