/**
 * Streaming readers for caller lists: CSV, JSONL, or an existing Voice ID manifest. Each yields one
 * CallerRecording per recording, so a list of a million rows is never in memory as one array.
 *
 * Formats (issue 5 "Inputs"): CSV with a header row and the columns `customer_speaker_id`, `audio`,
 * optional `channel` and `request_id`; JSONL with the same fields (snake_case or camelCase); or a
 * manifest as Voice ID reads it (aws-facts.md §3, the speaker-enrollment and fraudster-registration
 * schema pages under https://docs.aws.amazon.com/connect/latest/adminguide/).
 */

import { createReadStream, lstatSync, readlinkSync, realpathSync } from "node:fs";
import { open, readFile, realpath } from "node:fs/promises";
import { basename, dirname, extname, isAbsolute, relative, resolve, sep } from "node:path";
import { createInterface } from "node:readline";
import { CvkError, isValidS3Uri } from "@cvk/core";
import { CsvError, parse } from "csv-parse";
import type { CallerListFormat, CallerRecording, PlanProblem } from "./plan-types.ts";

export interface ReadCallerListOptions {
  /** Default: detected from the extension, then from the first bytes. */
  format?: CallerListFormat;
  /** Accept local recordings outside the list's folder (otherwise PATH_ESCAPE). */
  allowOutside?: boolean;
  /**
   * Rows that are well-formed but unusable (empty id or audio, a channel that is not a number, an
   * invalid S3 URI) are passed here, with their fields as written, and skipped. Without it they
   * throw INPUT_INVALID.
   */
  onInvalidRow?: (problem: PlanProblem, row: RawCallerRow) => void;
}

/** The columns a CSV may have (and the JSONL keys, in either spelling). */
const FIELDS = {
  customer_speaker_id: "customerSpeakerId",
  audio: "audio",
  channel: "channel",
  request_id: "requestId",
} as const;
type Field = keyof typeof FIELDS;
const CAMEL_TO_SNAKE: ReadonlyMap<string, Field> = new Map(
  Object.entries(FIELDS).map(([snake, camel]) => [camel.toLowerCase(), snake as Field]),
);
const REQUIRED: readonly Field[] = ["customer_speaker_id", "audio"];
/** Linux's PATH_MAX: a longer (or NUL-carrying) audio field cannot name a file on any system cvk runs on. */
const MAX_PATH_BYTES = 4096;
const LIST_HINT =
  "A caller list is CSV with the header customer_speaker_id,audio[,channel][,request_id], JSONL with the same fields, or a Voice ID manifest.";

/** Maps a header cell or JSON key to its field, accepting snake_case, camelCase and any case. */
function fieldOf(name: string): Field | undefined {
  const key = name.trim().toLowerCase();
  if (key in FIELDS) return key as Field;
  return CAMEL_TO_SNAKE.get(key);
}

function invalid(path: string, line: number, message: string, hint = LIST_HINT, cause?: unknown): CvkError {
  return new CvkError("INPUT_INVALID", `${path}:${line}: ${message}`, {
    hint,
    ...(cause === undefined ? {} : { cause }),
    details: { file: path, line },
  });
}

/** Picks the format from the extension, else from the first non-blank character (and line). */
export async function detectCallerListFormat(path: string): Promise<CallerListFormat> {
  const extension = extname(path).toLowerCase();
  if (extension === ".csv" || extension === ".tsv") return "csv";
  if (extension === ".jsonl" || extension === ".ndjson") return "jsonl";
  if (extension === ".json") return "manifest";
  let head: string;
  try {
    const handle = await open(path, "r");
    try {
      const buffer = Buffer.alloc(4096);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer
        .subarray(0, bytesRead)
        .toString("utf8")
        .replace(/^\uFEFF/, "");
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw notFound(path, error);
  }
  const trimmed = head.trimStart();
  if (!trimmed.startsWith("{")) return "csv";
  // One JSON object per line is JSONL; a manifest starts with its Version and request array.
  return /"(SpeakerEnrollmentRequests|FraudsterRegistrationRequests)"/.test(head) &&
    !/\}\s*\n\s*\{/.test(head)
    ? "manifest"
    : "jsonl";
}

function notFound(path: string, error: unknown): CvkError {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT"
    ? new CvkError("INPUT_NOT_FOUND", `Caller list ${path} does not exist`, {
        hint: "Check the path (relative paths are taken from the current folder).",
        cause: error,
      })
    : new CvkError("INPUT_INVALID", `Cannot read the caller list ${path}: ${(error as Error).message}`, {
        hint: "Check that it is a readable file.",
        cause: error,
      });
}

/**
 * Resolves recording paths against the list's folder and refuses those that leave it, including
 * through symlinks (realpath), unless allowed: a list from elsewhere must not make cvk upload
 * arbitrary files of this machine to S3.
 */
class PathResolver {
  readonly #root: string;
  readonly #allowOutside: boolean;
  readonly #list: string;
  /** realpath of folders already seen (a list typically names a few folders many times). */
  readonly #folders = new Map<string, string>();

  constructor(list: string, root: string, allowOutside: boolean) {
    this.#list = list;
    this.#root = root;
    this.#allowOutside = allowOutside;
  }

  static async create(list: string, allowOutside: boolean): Promise<PathResolver> {
    return new PathResolver(list, await realpath(dirname(resolve(list))), allowOutside);
  }

  #inside(path: string): boolean {
    const rel = relative(this.#root, path);
    return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
  }

  #realFolder(folder: string): string {
    let real = this.#folders.get(folder);
    if (real === undefined) {
      try {
        real = realpathSync.native(folder);
      } catch {
        // A folder that does not exist yet cannot hold a symlink; the missing file is reported later.
        real = folder;
      }
      if (this.#folders.size > 10_000) this.#folders.clear();
      this.#folders.set(folder, real);
    }
    return real;
  }

  /** The absolute path of a local recording; throws PATH_ESCAPE for one outside the list's folder. */
  resolve(audio: string, line: number): string {
    const absolute = resolve(this.#root, audio);
    if (this.#allowOutside) return absolute;
    // The file itself may be a symlink; its folder (or one above) may be too. Folders are resolved
    // once each (cached); the file costs one lstat, and a full realpath only when it is a link
    // (realpath per row walked every path component and was most of a 100,000-row list's read time).
    let real = resolve(this.#realFolder(dirname(absolute)), basename(absolute));
    if (isSymbolicLink(real)) {
      try {
        real = realpathSync.native(real);
      } catch {
        // A dangling link: judge where it points, so a target created later cannot escape.
        real = resolve(dirname(real), readlinkSync(real));
      }
    }
    if (!this.#inside(real)) {
      throw new CvkError(
        "PATH_ESCAPE",
        `${this.#list}:${line}: recording ${audio} is outside the caller list's folder ${this.#root}`,
        {
          hint: "Move the recordings next to the list, or pass --allow-outside if the list is trusted.",
          details: { file: this.#list, line, audio },
        },
      );
    }
    return absolute;
  }
}

/**
 * lstat that never throws: a path that cannot be examined (a component too long, a file where a
 * folder should be, no permission) is no link, and the header check reports why it cannot be read.
 */
function isSymbolicLink(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true;
  } catch {
    return false;
  }
}

/** Raw fields of one row, as written in the list, before resolution. */
export interface RawCallerRow {
  customerSpeakerId: string;
  audio: string;
  channel: string;
  requestId: string;
}

/** Turns raw fields into a CallerRecording, or reports why the row cannot be used. */
function toRecording(
  row: RawCallerRow,
  line: number,
  list: string,
  paths: PathResolver,
  onInvalidRow: ReadCallerListOptions["onInvalidRow"],
): CallerRecording | undefined {
  const reject = (reason: string, message: string, hint: string, audio = row.audio): undefined => {
    const problem: PlanProblem = {
      line,
      ...(row.customerSpeakerId ? { customerSpeakerId: row.customerSpeakerId } : {}),
      ...(audio ? { audio } : {}),
      reason,
      message,
      hint,
      excluded: true,
    };
    if (!onInvalidRow) throw invalid(list, line, message, hint);
    onInvalidRow(problem, row);
    return undefined;
  };
  const customerSpeakerId = row.customerSpeakerId.trim();
  const audio = row.audio.trim();
  if (customerSpeakerId === "")
    return reject("MISSING_SPEAKER_ID", "customer_speaker_id is empty", "Give every row a caller id.");
  if (audio === "")
    return reject("MISSING_AUDIO", "audio is empty", "Give every row a recording path or s3:// URI.");
  const channelText = row.channel.trim();
  const channel = channelText === "" ? 0 : Number(channelText);
  if (!Number.isInteger(channel) || channel < 0 || !/^\d+$/.test(channelText || "0")) {
    return reject(
      "CHANNEL_INVALID",
      `channel "${channelText}" is not a channel number`,
      "Use 0 or 1 (Voice ID's ChannelId: 0 is the first channel), or leave it empty for 0.",
    );
  }
  let resolved: string;
  if (/^s3:\/\//i.test(audio)) {
    if (!isValidS3Uri(audio)) {
      return reject(
        "S3_URI_INVALID",
        `${audio.slice(0, 80)} is not an S3 URI Voice ID accepts`,
        "Write s3://bucket/key with a lowercase bucket name.",
      );
    }
    resolved = audio;
  } else if (audio.includes("\0") || Buffer.byteLength(audio) > MAX_PATH_BYTES) {
    const shown = JSON.stringify(audio.slice(0, 80)).slice(1, -1);
    return reject(
      "PATH_INVALID",
      `audio "${shown}${audio.length > 80 ? "…" : ""}" (${audio.length} characters) is not a file path`,
      `A path has no NUL characters and at most ${MAX_PATH_BYTES} bytes; check the list's columns and quoting.`,
      `${shown}${audio.length > 80 ? "…" : ""}`,
    );
  } else {
    resolved = paths.resolve(audio, line);
  }
  const requestId = row.requestId.trim();
  return { line, customerSpeakerId, audio: resolved, channel, ...(requestId ? { requestId } : {}) };
}

async function* readCsv(
  path: string,
  paths: PathResolver,
  options: ReadCallerListOptions,
): AsyncGenerator<CallerRecording> {
  let columns: (Field | undefined)[] | undefined;
  const source = createReadStream(path);
  const parser = source.pipe(
    parse({
      bom: true,
      info: true,
      skip_empty_lines: true,
      delimiter: extname(path).toLowerCase() === ".tsv" ? "\t" : ",",
      // Any line ending, mixed too (lists concatenated from several tools); csv-parse would otherwise
      // take the first one it sees for the whole file and read a row ending differently as a field.
      record_delimiter: ["\r\n", "\n", "\r"],
    }),
  );
  // pipe() does not forward a read error (a missing file) to the parser: do it by hand.
  source.once("error", (error) => parser.destroy(error));
  // csv-parse reports the line where a record ends; quoted line breaks move its start up.
  let lastLine = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      let breaks = 0;
      for (const field of record) if (field.includes("\n")) breaks += field.split("\n").length - 1;
      const line = info.lines - breaks;
      lastLine = info.lines;
      if (columns === undefined) {
        columns = record.map((name, index) => {
          const field = fieldOf(name);
          if (field === undefined && name.trim() !== "") {
            throw invalid(
              path,
              info.lines,
              `unknown column "${name.trim()}" (column ${index + 1})`,
              `Use only the columns customer_speaker_id, audio, channel, request_id.`,
            );
          }
          return field;
        });
        for (const required of REQUIRED) {
          if (!columns.includes(required))
            throw invalid(path, info.lines, `the header has no "${required}" column`);
        }
        continue;
      }
      const row: RawCallerRow = { customerSpeakerId: "", audio: "", channel: "", requestId: "" };
      for (const [index, field] of columns.entries()) {
        if (field !== undefined) row[FIELDS[field]] = record[index] ?? "";
      }
      const recording = toRecording(row, line, path, paths, options.onInvalidRow);
      if (recording) yield recording;
    }
  } catch (error) {
    if (error instanceof CvkError) throw error;
    // Every csv-parse error is a CsvError; its codes do not all start with CSV_ (INVALID_OPENING_QUOTE).
    if (error instanceof CsvError) {
      const csvError = error as CsvError & { lines?: number };
      const hint =
        csvError.code === "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH" ||
        csvError.code === "CSV_RECORD_INCONSISTENT_COLUMNS"
          ? "Every row needs as many fields as the header; quote fields that contain commas."
          : 'Quote fields that contain commas, quotes or line breaks ("..."), and double quotes inside them ("").';
      // Its message quotes the offending field, which can be megabytes of binary: keep the line short.
      const message = csvError.message.length > 200 ? `${csvError.message.slice(0, 199)}…` : csvError.message;
      throw invalid(path, csvError.lines ?? lastLine + 1, `malformed CSV: ${message}`, hint, error);
    }
    throw notFound(path, error);
  } finally {
    parser.destroy();
    source.destroy();
  }
  if (columns === undefined) throw invalid(path, 1, "the list is empty (no header row)");
}

function stringField(value: unknown, path: string, line: number, key: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" && key === "channel") return String(value);
  // Not JSON.stringify(value): a deeply nested value overflows the stack.
  const kind = Array.isArray(value) ? "a list" : typeof value === "object" ? "an object" : String(value);
  throw invalid(path, line, `"${key}" must be a string, not ${kind.slice(0, 40)}`);
}

async function* readJsonl(
  path: string,
  paths: PathResolver,
  options: ReadCallerListOptions,
): AsyncGenerator<CallerRecording> {
  const stream = createReadStream(path, { encoding: "utf8" });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const rawText of lines) {
      line++;
      const text = line === 1 ? rawText.replace(/^\uFEFF/, "") : rawText;
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw invalid(
          path,
          line,
          `not valid JSON: ${(error as Error).message}`,
          "Write one JSON object per line.",
        );
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw invalid(path, line, "not a JSON object", "Write one JSON object per line.");
      }
      const row: RawCallerRow = { customerSpeakerId: "", audio: "", channel: "", requestId: "" };
      for (const [key, field] of Object.entries(value)) {
        const name = fieldOf(key);
        if (name === undefined) {
          throw invalid(
            path,
            line,
            `unknown field "${key}"`,
            "Use only customer_speaker_id, audio, channel, request_id (or their camelCase forms).",
          );
        }
        row[FIELDS[name]] = stringField(field, path, line, key);
      }
      for (const required of REQUIRED) {
        if (row[FIELDS[required]] === "" && !Object.keys(value).some((k) => fieldOf(k) === required))
          throw invalid(path, line, `the field "${required}" is missing`);
      }
      const recording = toRecording(row, line, path, paths, options.onInvalidRow);
      if (recording) yield recording;
    }
  } catch (error) {
    if (error instanceof CvkError) throw error;
    throw notFound(path, error);
  } finally {
    lines.close();
    stream.destroy();
  }
}

interface ManifestRequest {
  RequestId?: unknown;
  SpeakerId?: unknown;
  AudioSpecifications?: unknown;
}

/**
 * A manifest holds at most 10,000 requests (the per-job quota), so it is parsed whole. Line numbers
 * are 1-based request indexes. Fraudster requests have no SpeakerId: the RequestId stands in as the
 * grouping key, since each request is one fraudster.
 */
async function* readManifest(
  path: string,
  paths: PathResolver,
  options: ReadCallerListOptions,
): AsyncGenerator<CallerRecording> {
  let document: unknown;
  try {
    document = JSON.parse((await readFile(path, "utf8")).replace(/^\uFEFF/, ""));
  } catch (error) {
    if (error instanceof SyntaxError)
      throw invalid(path, 1, `not valid JSON: ${error.message}`, "A manifest is one JSON document.");
    throw notFound(path, error);
  }
  const manifest = document as Record<string, unknown>;
  const requests = manifest?.SpeakerEnrollmentRequests ?? manifest?.FraudsterRegistrationRequests;
  if (manifest?.Version !== "1.0" || !Array.isArray(requests)) {
    throw invalid(
      path,
      1,
      'not a Voice ID manifest: expected {"Version":"1.0","SpeakerEnrollmentRequests":[…]} or FraudsterRegistrationRequests',
    );
  }
  const fraudsters = manifest.SpeakerEnrollmentRequests === undefined;
  for (const [index, item] of (requests as ManifestRequest[]).entries()) {
    const line = index + 1;
    const requestId = typeof item?.RequestId === "string" ? item.RequestId : "";
    const speaker = fraudsters ? requestId : typeof item?.SpeakerId === "string" ? item.SpeakerId : "";
    const specs = Array.isArray(item?.AudioSpecifications) ? item.AudioSpecifications : [];
    if (specs.length === 0) throw invalid(path, line, `request ${line} has no AudioSpecifications`);
    for (const spec of specs as { S3Uri?: unknown; ChannelId?: unknown }[]) {
      const row: RawCallerRow = {
        customerSpeakerId: speaker,
        audio: typeof spec?.S3Uri === "string" ? spec.S3Uri : "",
        channel: spec?.ChannelId === undefined ? "" : String(spec.ChannelId),
        requestId,
      };
      const recording = toRecording(row, line, path, paths, options.onInvalidRow);
      if (recording) yield recording;
    }
  }
}

/** Streams the recordings of a caller list, one CallerRecording per row (or manifest audio entry). */
export async function* readCallerList(
  path: string,
  options: ReadCallerListOptions = {},
): AsyncGenerator<CallerRecording> {
  const format = options.format ?? (await detectCallerListFormat(path));
  let paths: PathResolver;
  try {
    paths = await PathResolver.create(path, options.allowOutside === true);
  } catch (error) {
    throw notFound(path, error);
  }
  if (format === "csv") yield* readCsv(path, paths, options);
  else if (format === "jsonl") yield* readJsonl(path, paths, options);
  else yield* readManifest(path, paths, options);
}
