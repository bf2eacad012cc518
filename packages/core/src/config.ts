import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isMap, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import {
  type ConfigFile,
  configFileSchema,
  type EnvironmentConfig,
  environmentSchema,
} from "./config-schema.ts";
import { CvkError } from "./errors.ts";

export const DEFAULT_CONFIG_FILE = "cvk.config.yaml";

export interface LoadedConfig {
  /** Absolute path of the file read. */
  path: string;
  file: ConfigFile;
  /** Where each key path was written (`file:line`), for messages that point at a line. */
  locate(path: readonly (string | number)[]): string;
  /** Whether the file itself sets this key path (before defaults are merged). */
  has(path: readonly (string | number)[]): boolean;
}

function hasPath(raw: unknown, keyPath: readonly (string | number)[]): boolean {
  let node = raw;
  for (const key of keyPath) {
    if (typeof node !== "object" || node === null || !(key in node)) return false;
    node = (node as Record<string | number, unknown>)[key];
  }
  return true;
}

/** `file:line` of a setting as an environment sees it: its own block first, then `defaults`. */
export function locateSetting(selection: EnvironmentSelection, keyPath: readonly string[]): string {
  const own = ["environments", selection.name, ...keyPath];
  if (selection.source.has(own) || !selection.source.has(["defaults", ...keyPath]))
    return selection.source.locate(own);
  return selection.source.locate(["defaults", ...keyPath]);
}

type KeyPath = readonly PropertyKey[];

function formatKey(path: KeyPath): string {
  return path
    .map((part) => (typeof part === "number" ? `[${part}]` : String(part)))
    .join(".")
    .replace(/\.\[/g, "[");
}

/** Reads and validates a config file; every problem names the file, the line and the key. */
export function loadConfigFile(path: string, options: { displayPath?: string } = {}): LoadedConfig {
  const absolute = resolve(path);
  const shown = options.displayPath ?? path;
  if (!existsSync(absolute)) {
    throw new CvkError("CONFIG_NOT_FOUND", `Config file not found: ${shown}`, {
      hint: `Create ${DEFAULT_CONFIG_FILE} (see fixtures/cvk.config.example.yaml) or pass --config FILE.`,
    });
  }
  let text: string;
  try {
    text = readFileSync(absolute, "utf8");
  } catch (error) {
    // A folder, a file without read permission, a broken disk: exists, but is not a config to read.
    throw new CvkError(
      "CONFIG_INVALID",
      `Cannot read the config file ${shown}: ${(error as Error).message}`,
      {
        hint: "Point --config (or CVK_CONFIG) at a readable YAML file.",
        cause: error,
      },
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;

  const firstError = doc.errors[0];
  if (firstError) {
    const line = lineOf(firstError.pos[0]);
    throw new CvkError(
      "CONFIG_INVALID",
      `${shown}:${line}: YAML syntax error: ${firstError.message.split("\n")[0]}`,
      {
        hint: "Fix the YAML syntax at that line (indentation, quoting, a missing colon).",
      },
    );
  }

  /** The line of the deepest node that exists along `keyPath` (for a missing key: its parent's). */
  const locateLine = (keyPath: KeyPath, unknownKey?: string): number => {
    let node: Node | null | undefined = doc.contents as Node | null;
    let line = node?.range ? lineOf(node.range[0]) : 1;
    const parts = unknownKey === undefined ? keyPath : [...keyPath, unknownKey];
    for (const part of parts) {
      if (!node || !("items" in node)) break;
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
        if (!pair) break;
        const keyNode = pair.key as Node;
        if (keyNode.range) line = lineOf(keyNode.range[0]);
        node = pair.value as Node | null;
      } else {
        const item: Node | undefined = (node.items as Node[])[Number(part)];
        if (!item) break;
        if (item.range) line = lineOf(item.range[0]);
        node = item;
      }
    }
    return line;
  };

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (error) {
    // yaml throws (not a doc error) when aliases expand past maxAliasCount (a "billion laughs" file).
    throw new CvkError("CONFIG_INVALID", `${shown}: ${(error as Error).message}`, {
      hint: "Write the settings out (or under defaults:) instead of nesting YAML aliases (*name) many levels deep.",
      cause: error,
    });
  }
  const parsed = configFileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw configError(shown, parsed.error, locateLine, raw);

  return {
    path: absolute,
    file: parsed.data,
    locate: (keyPath) => `${shown}:${locateLine(keyPath)}`,
    has: (keyPath) => hasPath(raw, keyPath),
  };
}

function configError(
  path: string,
  error: z.ZodError,
  locateLine: (keyPath: KeyPath, unknownKey?: string) => number,
  raw: unknown,
): CvkError {
  const valueAt = (keyPath: KeyPath): unknown =>
    keyPath.reduce<unknown>(
      (node, key) =>
        isPlainObject(node) || Array.isArray(node) ? (node as Record<PropertyKey, unknown>)[key] : undefined,
      raw,
    );
  const problems = error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0] ?? "";
      const keyPath = [...issue.path, key];
      const line = locateLine(issue.path, key);
      return { line, key: formatKey(keyPath), message: `unknown key "${key}"` };
    }
    const line = locateLine(issue.path);
    const message =
      valueAt(issue.path) === undefined ? "is required" : issue.message.replace(/^Invalid input: /, "");
    return { line, key: formatKey(issue.path) || "(top level)", message };
  });
  problems.sort((a, b) => a.line - b.line);
  const first = problems[0] ?? { line: 1, key: "(top level)", message: "invalid" };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  return new CvkError("CONFIG_INVALID", `${path}:${first.line}: ${first.key}: ${first.message}${more}`, {
    hint: "Fix the key at that line; the JSON Schema in @cvk/core/cvk.config.schema.json lists every key and type.",
    details: { problems: problems.map((p) => `${path}:${p.line}: ${p.key}: ${p.message}`) },
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep merge for config sections: objects merge key by key, anything else (arrays included) replaces. */
export function mergeSettings<T>(base: T, override: T): T {
  if (!isPlainObject(base) || !isPlainObject(override))
    return (override === undefined ? base : override) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    out[key] = mergeSettings(out[key], value);
  }
  return out as T;
}

export interface EnvironmentSelection {
  name: string;
  config: EnvironmentConfig;
  /** The folder relative paths in the config resolve against. */
  baseDir: string;
  source: LoadedConfig;
}

/** The named environment with `defaults` merged under it. */
export function selectEnvironment(loaded: LoadedConfig, name: string): EnvironmentSelection {
  const envs = loaded.file.environments;
  const own = envs[name];
  if (!own) {
    throw new CvkError("CONFIG_ENV_UNKNOWN", `Environment "${name}" is not defined in ${loaded.path}`, {
      hint: `Use one of: ${Object.keys(envs).join(", ")} (or add it under environments:).`,
    });
  }
  const merged = environmentSchema.parse(mergeSettings(loaded.file.defaults ?? {}, own));
  return { name, config: merged, baseDir: dirname(loaded.path), source: loaded };
}

/**
 * A key a command cannot do without. The message points at the environment's block so the user
 * knows where to add it.
 */
export function requireSetting<T>(
  selection: EnvironmentSelection,
  keyPath: string,
  command: string,
): NonNullable<T> {
  let value: unknown = selection.config;
  for (const part of keyPath.split(".")) value = isPlainObject(value) ? value[part] : undefined;
  if (value === undefined || value === null) {
    const where = selection.source.locate(["environments", selection.name]);
    throw new CvkError(
      "CONFIG_INVALID",
      `${where}: environments.${selection.name}.${keyPath}: is required by ${command}`,
      {
        hint: `Set ${keyPath} under environments.${selection.name} (or under defaults).`,
      },
    );
  }
  return value as NonNullable<T>;
}
