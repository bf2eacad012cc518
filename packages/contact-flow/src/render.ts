import { CvkError } from "@cvk/core";
import Handlebars from "handlebars";
import { canonicalJson, isJsonObject, type JsonValue } from "./canonical.ts";
import type { TemplateSource } from "./templates.ts";

/**
 * Renders a Handlebars template into one canonical JSON document. The engine knows nothing of Voice ID
 * or even of flows; what keeps it safe is how values reach the text:
 *
 * - Every value goes through the `json` helper (`{{json queue}}`, never `"{{queue}}"`), which writes
 *   it JSON-encoded, so no value — quotes, backslashes, `}}`, newlines, U+2028 — can break out of its
 *   place or inject keys. Handlebars never re-reads what a helper returns. Bare `{{name}}`, `{{{name}}}`
 *   and partials are refused before anything renders.
 * - `strict` mode, plus a check of every variable the template reads (Handlebars' strict mode does not
 *   look at helper arguments): a variable no parameter sets is an error naming it, never an empty string.
 * - The text is parsed and canonicalised; a template that renders invalid JSON fails with the line.
 *
 * A template declares its parameters in a leading comment, `{{!-- cvk-template {…JSON…} --}}`, with
 * types, defaults, bounds and the config key that supplies a per-environment value; then unknown
 * parameters (typos) are refused too. See https://handlebarsjs.com/api-reference/compilation.html.
 */

export interface TemplateParameterSpec {
  description?: string;
  type?: "string" | "integer" | "number" | "boolean" | "object" | "array";
  required?: boolean;
  default?: JsonValue;
  /** A regular expression a string value must match. */
  pattern?: string;
  /** Shown when `pattern` does not match. */
  patternDescription?: string;
  minimum?: number;
  maximum?: number;
  enum?: JsonValue[];
  /** A dotted key of the environment's config (e.g. `voiceId.authenticationThreshold`) that supplies the value. */
  config?: string;
}

export interface TemplateManifest {
  description?: string;
  parameters: Record<string, TemplateParameterSpec>;
}

export interface RenderTemplateOptions {
  /** Values by parameter name; strings are converted to the declared type (`"95"` → 95). */
  parameters?: Record<string, unknown>;
  /** The environment's config, for parameters declared with `config`. */
  config?: unknown;
}

export interface RenderedTemplate {
  template: { name: string; path: string };
  document: JsonValue;
  /** Canonical text, 2-space indented with a final newline. */
  text: string;
  /** Every parameter as rendered (declared defaults, config values and overrides applied). */
  parameters: Record<string, JsonValue>;
}

const MANIFEST_MARKER = "cvk-template";
const BLOCK_HELPERS = new Set(["if", "unless", "each", "with"]);
/** Helpers usable inside expressions: `{{json (string threshold)}}`, `{{#if (startsWith id "$.")}}`. */
const VALUE_HELPERS = new Set(["string", "eq", "not", "and", "or", "startsWith", "refName"]);

/** `queue:BasicQueue` → `BasicQueue` (the name a console shows beside a reference); anything else as is. */
const REFERENCE_PREFIX = /^(?:queue|prompt|flow|lambda):/;

/** Escapes what JSON.stringify leaves raw but some consumers choke on (U+2028/9 in JavaScript). */
function encodeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

interface Loc {
  start: { line: number; column: number };
}
type Node = { type: string; loc?: Loc } & Record<string, unknown>;

class MissingValueError extends Error {
  readonly loc: Loc | undefined;
  constructor(loc: Loc | undefined) {
    super("missing value");
    this.loc = loc;
  }
}

function createEnvironment(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper("json", (...args: unknown[]) => {
    const options = args.at(-1) as { loc?: Loc };
    if (args.length !== 2) throw new Error("json takes exactly one value");
    const value = args[0];
    if (value === undefined) throw new MissingValueError(options.loc);
    return encodeJson(value);
  });
  hb.registerHelper("string", (value: unknown) =>
    value === undefined || value === null
      ? value
      : typeof value === "object"
        ? encodeJson(value)
        : String(value),
  );
  hb.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  hb.registerHelper("not", (a: unknown) => !a);
  hb.registerHelper("and", (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hb.registerHelper("or", (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hb.registerHelper(
    "startsWith",
    (value: unknown, prefix: unknown) => typeof value === "string" && value.startsWith(String(prefix)),
  );
  hb.registerHelper("refName", (value: unknown) =>
    typeof value === "string" ? value.replace(REFERENCE_PREFIX, "") : value,
  );
  return hb;
}

const environment = createEnvironment();

function where(template: TemplateSource | undefined, loc: Loc | undefined): string {
  const file = template?.name ?? "template";
  return loc ? `${file}:${loc.start.line}:${loc.start.column + 1}` : file;
}

/** The declared parameters, from the template's leading `{{!-- cvk-template {…} --}}` comment. */
export function readTemplateManifest(source: TemplateSource): TemplateManifest | undefined {
  const ast = parseTemplate(source);
  const first = (ast.body as Node[]).find(
    (node) => node.type !== "ContentStatement" || String(node.value).trim() !== "",
  );
  if (first?.type !== "CommentStatement") return undefined;
  const value = String(first.value).trim();
  if (!value.startsWith(MANIFEST_MARKER)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.slice(MANIFEST_MARKER.length));
  } catch (error) {
    throw new CvkError(
      "TEMPLATE_INVALID",
      `${where(source, first.loc)}: the cvk-template comment is not JSON: ${(error as Error).message}`,
      { hint: 'Write {{!-- cvk-template {"parameters": {"name": {"type": "string"}}} --}} at the top.' },
    );
  }
  if (!isJsonObject(parsed) || (parsed.parameters !== undefined && !isJsonObject(parsed.parameters))) {
    throw new CvkError(
      "TEMPLATE_INVALID",
      `${where(source, first.loc)}: the cvk-template comment needs "parameters": {…}`,
      {
        hint: 'Declare parameters as {"parameters": {"name": {"type": "string", "default": "…"}}}.',
      },
    );
  }
  return {
    ...(typeof parsed.description === "string" ? { description: parsed.description } : {}),
    parameters: (parsed.parameters ?? {}) as unknown as Record<string, TemplateParameterSpec>,
  };
}

function parseTemplate(source: TemplateSource): { body: Node[] } {
  try {
    return environment.parse(source.text) as unknown as { body: Node[] };
  } catch (error) {
    const lines = (error as Error).message.split("\n");
    const expecting = lines.find((line) => line.startsWith("Expecting")) ?? "";
    const tripleStash = expecting.includes("CLOSE_UNESCAPED");
    throw new CvkError("TEMPLATE_INVALID", `${source.name}: ${lines[0]} ${expecting}`.trim(), {
      hint: tripleStash
        ? "`}}}` reads as a triple-stash: put a space between the mustache and the JSON brace ({{json x}} })."
        : "Fix the Handlebars syntax at that line (every {{#if}} needs its {{/if}}).",
      cause: error,
    });
  }
}

interface VariableUse {
  name: string;
  loc: Loc | undefined;
}

/**
 * Refuses the constructs that could place a value unencoded (bare and triple mustaches, partials,
 * unknown helpers) and a `{{json}}` sitting inside a JSON string; returns the variables read at the
 * top level of the context, to check against the parameters.
 */
function checkTemplate(
  source: TemplateSource,
  ast: { body: Node[] },
  written: Map<string, string>,
): VariableUse[] {
  const problems: string[] = [];
  const uses: VariableUse[] = [];
  const expression = (node: Node, topLevel: boolean): void => {
    if (node.type === "PathExpression") {
      const parts = node.parts as string[];
      const original = String(node.original);
      if (node.data) {
        // @root.x reads the top-level context wherever it is; @index, @key, @first are Handlebars' own.
        if (parts[0] === "root" && parts[1] !== undefined) uses.push({ name: parts[1], loc: node.loc });
        return;
      }
      if (topLevel && (node.depth as number) === 0 && parts.length > 0 && !original.startsWith("this"))
        uses.push({ name: parts[0] as string, loc: node.loc });
      return;
    }
    if (node.type === "SubExpression") {
      const path = node.path as Node;
      const name = String(path.original);
      if (!VALUE_HELPERS.has(name))
        problems.push(
          `${where(source, node.loc)}: (${name} …) is not a helper; use ${[...VALUE_HELPERS].join(", ")}`,
        );
      for (const param of node.params as Node[]) expression(param, topLevel);
      return;
    }
    // String, number, boolean, null and undefined literals need no check.
  };
  const program = (body: Node[], topLevel: boolean): void => {
    body.forEach((node, index) => {
      switch (node.type) {
        case "ContentStatement":
        case "CommentStatement":
          return;
        case "MustacheStatement": {
          const path = node.path as Node;
          const name = String(path.original);
          if (name !== "json" || (node.params as Node[]).length !== 1) {
            problems.push(
              `${where(source, node.loc)}: {{${name}${(node.params as Node[]).length > 0 ? " …" : ""}}} writes a value unencoded; write {{json ${name === "json" ? "value" : name}}} (every value goes through the json helper)`,
            );
            return;
          }
          // An odd number of unescaped quotes before it (in the same text run) means it sits in a string.
          const before = body[index - 1];
          if (before?.type === "ContentStatement") {
            const quotes = (String(before.value).match(/(?<!\\)"/g) ?? []).length;
            if (quotes % 2 === 1) {
              problems.push(
                `${where(source, node.loc)}: {{json …}} sits inside a JSON string; it writes a whole JSON value (drop the quotes around it)`,
              );
            }
          }
          for (const param of node.params as Node[]) expression(param, topLevel);
          const param = (node.params as Node[])[0] as Node;
          if (node.loc)
            written.set(
              `${node.loc.start.line}:${node.loc.start.column}`,
              String(param.original ?? param.type),
            );
          return;
        }
        case "BlockStatement": {
          const path = node.path as Node;
          const name = String(path.original);
          if (!BLOCK_HELPERS.has(name)) {
            problems.push(
              `${where(source, node.loc)}: {{#${name}}} is not allowed; use ${[...BLOCK_HELPERS].join(", ")}`,
            );
            return;
          }
          for (const param of node.params as Node[]) expression(param, topLevel);
          // each/with change the context: names inside are checked when rendering instead.
          const inner = topLevel && (name === "if" || name === "unless");
          const body = (node.program as { body: Node[] } | undefined)?.body ?? [];
          const inverse = (node.inverse as { body: Node[] } | undefined)?.body ?? [];
          program(body, inner);
          program(inverse, topLevel);
          return;
        }
        default:
          problems.push(
            `${where(source, node.loc)}: ${node.type.replace(/Statement$/, "").toLowerCase()}s are not allowed in flow templates`,
          );
      }
    });
  };
  program(ast.body, true);
  if (problems.length > 0) {
    throw new CvkError(
      "TEMPLATE_INVALID",
      `${source.name}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`,
      {
        hint: "Write every value as {{json name}} in a value position; use only if, unless, each and with blocks.",
        details: { problems },
      },
    );
  }
  return uses;
}

function describeType(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "a list" : typeof value;
}

/** Converts and checks one value against its declaration; returns the problem, or the value. */
function coerce(
  name: string,
  spec: TemplateParameterSpec,
  raw: unknown,
): { value?: JsonValue; problem?: string } {
  if (raw === null) return spec.required ? { problem: `${name} is required` } : { value: null };
  let value: unknown = raw;
  switch (spec.type) {
    case "string":
      if (typeof value === "number" || typeof value === "boolean") value = String(value);
      if (typeof value !== "string")
        return { problem: `${name} must be a string (got ${describeType(value)})` };
      break;
    case "integer":
    case "number": {
      if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
        value = Number(value);
      if (typeof value !== "number" || !Number.isFinite(value))
        return { problem: `${name} must be a number (got ${JSON.stringify(raw)})` };
      if (spec.type === "integer" && !Number.isInteger(value))
        return { problem: `${name} must be a whole number (got ${value})` };
      break;
    }
    case "boolean":
      if (value === "true" || value === "false") value = value === "true";
      if (typeof value !== "boolean")
        return { problem: `${name} must be true or false (got ${JSON.stringify(raw)})` };
      break;
    case "object":
      if (!isJsonObject(value)) return { problem: `${name} must be a map (got ${describeType(value)})` };
      break;
    case "array":
      if (!Array.isArray(value)) return { problem: `${name} must be a list (got ${describeType(value)})` };
      break;
    default:
      break;
  }
  if (typeof value === "number") {
    if (spec.minimum !== undefined && value < spec.minimum)
      return { problem: `${name} must be at least ${spec.minimum} (got ${value})` };
    if (spec.maximum !== undefined && value > spec.maximum)
      return { problem: `${name} must be at most ${spec.maximum} (got ${value})` };
  }
  if (typeof value === "string" && spec.pattern !== undefined && !new RegExp(spec.pattern, "u").test(value)) {
    return {
      problem: `${name} ${spec.patternDescription ?? `must match ${spec.pattern}`} (got ${JSON.stringify(value.length > 60 ? `${value.slice(0, 59)}…` : value)})`,
    };
  }
  if (spec.enum !== undefined && !spec.enum.some((allowed) => allowed === value)) {
    return {
      problem: `${name} must be one of ${spec.enum.map((v) => JSON.stringify(v)).join(", ")} (got ${JSON.stringify(value)})`,
    };
  }
  return { value: toJson(value, name) };
}

/** Plain JSON data only: a value that JSON cannot hold (a function, NaN) is an error, not a silent drop. */
function toJson(value: unknown, name: string): JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw parameterError(`${name} must be a finite number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => toJson(item, `${name}[${i}]`));
  if (isJsonObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) out[key] = toJson(item, `${name}.${key}`);
    return out;
  }
  throw parameterError(`${name} must be JSON data (got ${typeof value})`);
}

function parameterError(message: string, details?: Record<string, unknown>): CvkError {
  return new CvkError("TEMPLATE_PARAMETER", message, {
    hint: "Set it with --param name=value or under parameters: in the flow's config entry.",
    ...(details ? { details } : {}),
  });
}

function configValue(config: unknown, path: string): unknown {
  let node = config;
  for (const part of path.split(".")) node = isJsonObject(node) ? node[part] : undefined;
  return node;
}

/** Applies defaults, config values and the given values in that order, then checks each. */
function effectiveParameters(
  source: TemplateSource,
  manifest: TemplateManifest | undefined,
  options: RenderTemplateOptions,
): Record<string, JsonValue> {
  const given = options.parameters ?? {};
  if (!manifest) {
    const out: Record<string, JsonValue> = {};
    for (const [name, value] of Object.entries(given))
      if (value !== undefined) out[name] = toJson(value, name);
    return out;
  }
  const declared = manifest.parameters;
  const problems: string[] = [];
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(declared, name)) {
      const near = Object.keys(declared).find((known) => known.toLowerCase() === name.toLowerCase());
      problems.push(
        `${source.name} has no parameter ${name}${near ? `; did you mean ${near}?` : ` (it takes ${Object.keys(declared).join(", ")})`}`,
      );
    }
  }
  const out: Record<string, JsonValue> = {};
  for (const [name, spec] of Object.entries(declared)) {
    let raw: unknown = spec.default;
    const fromConfig = spec.config ? configValue(options.config, spec.config) : undefined;
    if (fromConfig !== undefined) raw = fromConfig;
    if (given[name] !== undefined) raw = given[name];
    if (raw === undefined) {
      if (spec.required) {
        problems.push(
          `${source.name} needs the parameter ${name}${spec.description ? ` (${spec.description})` : ""}`,
        );
        continue;
      }
      raw = null;
    }
    const { value, problem } = coerce(name, spec, raw);
    if (problem) problems.push(problem);
    else out[name] = value ?? null;
  }
  if (problems.length > 0) {
    throw parameterError(`${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`, {
      problems,
    });
  }
  return out;
}

/** Line and column of a character offset, with the line's text, for parse errors. */
function locate(text: string, offset: number): { line: number; column: number; snippet: string } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const start = before.lastIndexOf("\n") + 1;
  const end = text.indexOf("\n", offset);
  const snippet = text.slice(start, end < 0 ? undefined : end).trim();
  return {
    line,
    column: offset - start + 1,
    snippet: snippet.length > 80 ? `${snippet.slice(0, 79)}…` : snippet,
  };
}

/** Renders `source` with the given parameters into one canonical JSON document. */
export function renderTemplate(
  source: TemplateSource,
  options: RenderTemplateOptions = {},
): RenderedTemplate {
  const ast = parseTemplate(source);
  const written = new Map<string, string>();
  const uses = checkTemplate(source, ast, written);
  const manifest = readTemplateManifest(source);
  const parameters = effectiveParameters(source, manifest, options);

  const missing = uses.filter((use) => !Object.hasOwn(parameters, use.name));
  if (missing.length > 0) {
    const names = [...new Set(missing.map((use) => use.name))];
    throw parameterError(
      `${source.name} uses ${names.map((name) => `"${name}"`).join(", ")}, which no parameter sets (${where(source, missing[0]?.loc)})`,
      { missing: names },
    );
  }

  let text: string;
  try {
    const render = environment.compile(ast as unknown as string, { strict: true, noEscape: true });
    text = render(parameters);
  } catch (error) {
    if (error instanceof MissingValueError) {
      const start = error.loc?.start;
      const what = start ? written.get(`${start.line}:${start.column}`) : undefined;
      throw parameterError(
        `${where(source, error.loc)}: {{json ${what ?? "…"}}} has no value (a parameter or field is not set)`,
      );
    }
    throw new CvkError("TEMPLATE_INVALID", `${source.name}: ${(error as Error).message.split("\n")[0]}`, {
      hint: "A variable the template reads is not set, or a block is misused; the message names it.",
      cause: error,
    });
  }

  let document: JsonValue;
  try {
    document = JSON.parse(text) as JsonValue;
  } catch (error) {
    const message = (error as Error).message;
    const offset = Number(/position (\d+)/.exec(message)?.[1] ?? Number.NaN);
    const at = Number.isFinite(offset) ? locate(text, offset) : undefined;
    throw new CvkError(
      "TEMPLATE_INVALID",
      `${source.name} does not render valid JSON: ${message}${at ? ` (rendered line ${at.line}, column ${at.column}: ${at.snippet})` : ""}`,
      {
        hint: "Check the template's commas and brackets around {{#if}} blocks; values themselves are always encoded.",
        cause: error,
      },
    );
  }
  if (nestsDeeperThan(document, MAX_RENDERED_DEPTH)) {
    throw new CvkError(
      "TEMPLATE_INVALID",
      `${source.name} renders JSON nested more than ${MAX_RENDERED_DEPTH} levels deep; a flow nests a few levels`,
      { hint: "Check the template (or an object parameter) for runaway nesting of [ and {." },
    );
  }
  return {
    template: { name: source.name, path: source.path },
    document,
    text: canonicalJson(document),
    parameters,
  };
}

/**
 * Deeper than any flow the console or the flow language produces (a handful of levels), far below
 * what canonicalize and JSON.stringify can recurse through: a template that renders thousands of
 * nested brackets overflowed the stack there.
 */
const MAX_RENDERED_DEPTH = 256;

/** Whether arrays and objects nest more than `max` levels (a scalar is 0), measured without recursion. */
function nestsDeeperThan(root: JsonValue, max: number): boolean {
  const stack: [JsonValue, number][] = [[root, 0]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [value, depth] = entry;
    if (typeof value !== "object" || value === null) continue;
    if (depth + 1 > max) return true;
    for (const item of Array.isArray(value) ? value : Object.values(value)) stack.push([item, depth + 1]);
  }
  return false;
}

/** `name=value` pairs from the command line; the value is kept as text (render converts it by type). */
export function parseParameterAssignments(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? "" : pair.slice(0, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new CvkError("USAGE", `--param ${pair} is not name=value`, {
        hint: "Write --param queue=queue:BasicQueue (one --param per value).",
      });
    }
    out[name] = pair.slice(eq + 1);
  }
  return out;
}
