/**
 * Input validation the way an AWS (Coral) JSON service does it, driven by `shapes.ts`:
 *
 * 1. Each value must have its member's JSON type; otherwise the request cannot be deserialised at
 *    all and the answer is a `SerializationException` (what AWS JSON services return for, e.g., a
 *    string where a number belongs).
 * 2. Then every constraint trait is checked and all violations are reported together in one
 *    `ValidationException`: "2 validation errors detected: Value 'x' at 'domainId' failed to satisfy
 *    constraint: Member must have length greater than or equal to 22; …". Member paths are
 *    lowerCamel and list items are `tags.1.member.key` (1-based), as AWS writes them. The value of
 *    a `sensitive` member is left out ("Value at 'name' …"), as AWS does.
 *
 * Members the model does not declare are ignored, as AWS JSON services ignore them. JSON `null`
 * counts as absent.
 */

import { AwsServiceError } from "../service-error.ts";
import type { ListShape, Shape, StringShape, StructureShape } from "./shapes.ts";

const compiled = new Map<string, RegExp>();

/** Smithy patterns are ECMA-262; `\p{L}` and `\p{ASCII}` need the `u` flag. */
function patternOf(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(pattern, "u");
    compiled.set(pattern, regex);
  }
  return regex;
}

/** The pattern as AWS quotes it in messages: without the `^…$` anchors the model adds. */
function shownPattern(pattern: string): string {
  return pattern.replace(/^\^/, "").replace(/\$$/, "");
}

function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

export function serializationError(message: string): AwsServiceError {
  return new AwsServiceError("SerializationException", 400, message);
}

export function validationError(message: string): AwsServiceError {
  return new AwsServiceError("ValidationException", 400, message);
}

/** AWS's summary line over individual constraint messages. */
export function validationErrors(messages: readonly string[]): AwsServiceError {
  const count = messages.length;
  return validationError(
    `${count} validation error${count === 1 ? "" : "s"} detected: ${messages.join("; ")}`,
  );
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value;
}

/** Step 1: JSON types. Throws SerializationException at the first mismatch. */
function checkTypes(shape: Shape, value: unknown, path: string): void {
  if (value === null || value === undefined) return;
  const actual = jsonType(value);
  switch (shape.kind) {
    case "string":
      if (actual !== "string")
        throw serializationError(`Expected a string at '${path}' (${shape.name}), got ${actual}.`);
      return;
    case "integer":
      if (actual !== "number" || !Number.isInteger(value)) {
        throw serializationError(
          `Expected an integer at '${path}' (${shape.name}), got ${actual === "number" ? String(value) : actual}.`,
        );
      }
      return;
    case "list":
      if (actual !== "array")
        throw serializationError(`Expected a list at '${path}' (${shape.name}), got ${actual}.`);
      (value as unknown[]).forEach((item, index) => {
        checkTypes(shape.member, item, `${path}.${index + 1}.member`);
      });
      return;
    case "structure": {
      if (actual !== "object") {
        throw serializationError(
          path === ""
            ? `The request body must be a JSON object, got ${actual}.`
            : `Expected an object at '${path}' (${shape.name}), got ${actual}.`,
        );
      }
      const record = value as Record<string, unknown>;
      for (const [name, member] of Object.entries(shape.members)) {
        checkTypes(member.target, record[name], joinPath(path, name));
      }
      return;
    }
  }
}

function joinPath(path: string, member: string): string {
  return path === "" ? lowerCamel(member) : `${path}.${lowerCamel(member)}`;
}

function isSensitive(shape: Shape): boolean {
  if (shape.kind === "string") return shape.sensitive === true;
  if (shape.kind === "list") return isSensitive(shape.member);
  return false;
}

/** How AWS quotes a value in a message: `Value 'x' at …`, `Value '[a, b]' at …`, or no value. */
function valuePart(shape: Shape, value: unknown): string {
  if (isSensitive(shape)) return "Value";
  if (shape.kind === "list") {
    const items = value as unknown[];
    if (shape.member.kind === "structure") return "Value";
    return `Value '[${items.map(String).join(", ")}]'`;
  }
  return `Value '${String(value)}'`;
}

function fail(messages: string[], shape: Shape, value: unknown, path: string, constraint: string): void {
  messages.push(`${valuePart(shape, value)} at '${path}' failed to satisfy constraint: Member ${constraint}`);
}

function checkLength(
  messages: string[],
  shape: StringShape | ListShape,
  value: unknown,
  length: number,
  path: string,
): void {
  const [min, max] = shape.length ?? [undefined, undefined];
  if (min !== undefined && length < min)
    fail(messages, shape, value, path, `must have length greater than or equal to ${min}`);
  if (max !== undefined && length > max)
    fail(messages, shape, value, path, `must have length less than or equal to ${max}`);
}

/** Step 2: constraint traits, collecting every violation. */
function checkConstraints(messages: string[], shape: Shape, value: unknown, path: string): void {
  switch (shape.kind) {
    case "string": {
      const text = value as string;
      checkLength(messages, shape, text, codePoints(text), path);
      if (shape.pattern !== undefined && !patternOf(shape.pattern).test(text)) {
        fail(
          messages,
          shape,
          text,
          path,
          `must satisfy regular expression pattern: ${shownPattern(shape.pattern)}`,
        );
      }
      if (shape.enum !== undefined && !shape.enum.includes(text)) {
        fail(messages, shape, text, path, `must satisfy enum value set: [${shape.enum.join(", ")}]`);
      }
      return;
    }
    case "integer": {
      const number = value as number;
      const [min, max] = shape.range ?? [undefined, undefined];
      if (min !== undefined && number < min)
        fail(messages, shape, number, path, `must have value greater than or equal to ${min}`);
      if (max !== undefined && number > max)
        fail(messages, shape, number, path, `must have value less than or equal to ${max}`);
      return;
    }
    case "list": {
      const items = value as unknown[];
      checkLength(messages, shape, items, items.length, path);
      items.forEach((item, index) => {
        const itemPath = `${path}.${index + 1}.member`;
        if (item === null || item === undefined) {
          messages.push(`Value null at '${itemPath}' failed to satisfy constraint: Member must not be null`);
        } else {
          checkConstraints(messages, shape.member, item, itemPath);
        }
      });
      return;
    }
    case "structure":
      checkStructure(messages, shape, value as Record<string, unknown>, path);
      return;
  }
}

function checkStructure(
  messages: string[],
  shape: StructureShape,
  record: Record<string, unknown>,
  path: string,
): void {
  for (const [name, member] of Object.entries(shape.members)) {
    const value = record[name];
    const memberPath = joinPath(path, name);
    if (value === null || value === undefined) {
      if (member.required)
        messages.push(`Value null at '${memberPath}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    checkConstraints(messages, member.target, value, memberPath);
  }
}

/**
 * Validates a parsed request body against an operation's input shape. Returns only the modelled
 * members, JSON nulls removed (handlers see absent members as `undefined`, and unknown members never
 * reach them); throws SerializationException or ValidationException as AWS would.
 */
export function validateInput(shape: StructureShape, body: unknown): Record<string, unknown> {
  checkTypes(shape, body, "");
  const messages: string[] = [];
  checkStructure(messages, shape, body as Record<string, unknown>, "");
  if (messages.length > 0) throw validationErrors(messages);
  return modelled(shape, body) as Record<string, unknown>;
}

function modelled(shape: Shape, value: unknown): unknown {
  if (shape.kind === "list") return (value as unknown[]).map((item) => modelled(shape.member, item));
  if (shape.kind !== "structure") return value;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(shape.members)) {
    const item = record[name];
    if (item !== null && item !== undefined) out[name] = modelled(member.target, item);
  }
  return out;
}
