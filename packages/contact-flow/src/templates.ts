import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CvkError } from "@cvk/core";

/** Templates are `<name>.json.hbs` files: Handlebars that renders to one JSON document. */
export const TEMPLATE_EXTENSION = ".json.hbs";

export interface TemplateSource {
  /** The template's name (the file name without `.json.hbs`). */
  name: string;
  /** Absolute path of the file read. */
  path: string;
  text: string;
}

/**
 * The templates shipped with cvk: the repository's `templates/` folder, found by walking up from this
 * module, so it is the same folder whether cvk runs from `src` (tests, tsx) or the built `dist`.
 * `CVK_TEMPLATES_DIR` overrides it.
 */
export function builtinTemplatesDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CVK_TEMPLATES_DIR) return resolve(env.CVK_TEMPLATES_DIR);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "templates");
    if (existsSync(candidate) && statSync(candidate).isDirectory() && listTemplates(candidate).length > 0)
      return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The template names in a folder. */
export function listTemplates(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith(TEMPLATE_EXTENSION))
    .map((file) => file.slice(0, -TEMPLATE_EXTENSION.length))
    .sort();
}

function looksLikePath(reference: string): boolean {
  return reference.includes("/") || reference.includes("\\") || reference.endsWith(".hbs");
}

export interface ResolveTemplateOptions {
  /** Relative paths resolve here, and `<baseDir>/templates/<name>.json.hbs` is searched first (default: cwd). */
  baseDir?: string;
  /** Extra folders to search by name, after `<baseDir>/templates` and before the built-in templates. */
  searchDirs?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * A template by name (`voiceid-sample-flow`: your project's `templates/` first, then the built-in
 * ones) or by path (anything with a slash or ending `.hbs`, relative to `baseDir`).
 */
export function resolveTemplate(reference: string, options: ResolveTemplateOptions = {}): TemplateSource {
  const baseDir = options.baseDir ?? process.cwd();
  if (looksLikePath(reference)) {
    const path = isAbsolute(reference) ? reference : resolve(baseDir, reference);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new CvkError("TEMPLATE_NOT_FOUND", `Template file not found: ${reference}`, {
        hint: "Check the path (relative paths start from the config file's folder, or the working directory).",
      });
    }
    const file = path.split(/[\\/]/).at(-1) ?? path;
    const name = file.endsWith(TEMPLATE_EXTENSION)
      ? file.slice(0, -TEMPLATE_EXTENSION.length)
      : file.replace(/\.hbs$/, "");
    return { name, path, text: readFileSync(path, "utf8") };
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(reference)) {
    throw new CvkError("TEMPLATE_NOT_FOUND", `"${reference}" is not a template name`, {
      hint: "Name a template (letters, digits, . _ -) or give a path to a .json.hbs file.",
    });
  }
  const builtin = builtinTemplatesDir(options.env);
  const dirs = [join(baseDir, "templates"), ...(options.searchDirs ?? []), ...(builtin ? [builtin] : [])];
  for (const dir of dirs) {
    const path = join(dir, `${reference}${TEMPLATE_EXTENSION}`);
    if (existsSync(path)) return { name: reference, path, text: readFileSync(path, "utf8") };
  }
  const known = [...new Set(dirs.flatMap((dir) => listTemplates(dir)))];
  throw new CvkError("TEMPLATE_NOT_FOUND", `No template is named ${reference}`, {
    hint:
      known.length > 0
        ? `Use one of: ${known.join(", ")} (or a path to a .json.hbs file).`
        : "Give a path to a .json.hbs file; no templates folder was found.",
    details: { searched: dirs },
  });
}
