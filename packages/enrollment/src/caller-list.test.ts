import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { detectCallerListFormat, readCallerList } from "./caller-list.ts";
import type { CallerRecording, PlanProblem } from "./plan-types.ts";

function folder(): string {
  return realpathSync(mkdtempSync(join(tmpdir(), "cvk-list-")));
}

async function readAll(path: string, options: Parameters<typeof readCallerList>[1] = {}) {
  const rows: CallerRecording[] = [];
  for await (const row of readCallerList(path, options)) rows.push(row);
  return rows;
}

async function failure(path: string, options: Parameters<typeof readCallerList>[1] = {}) {
  try {
    await readAll(path, options);
  } catch (error) {
    return error as { code: string; message: string; hint?: string };
  }
  throw new Error("expected the read to fail");
}

describe("readCallerList: CSV", () => {
  it("reads a BOM, quoted fields with commas and line breaks, and several rows per speaker", async () => {
    const dir = folder();
    const list = join(dir, "callers.csv");
    writeFileSync(
      list,
      "\uFEFFcustomer_speaker_id,audio,channel,request_id\n" +
        "caller01,rec/a.wav,,\n" +
        'caller01,"rec/b, with comma.wav",1,\n' +
        '"caller02","rec/multi\nline.wav",0,r-2\n' +
        "\n" +
        "caller03,s3://bucket-a/x.wav,,\n",
    );
    const rows = await readAll(list);
    expect(rows).toEqual([
      { line: 2, customerSpeakerId: "caller01", audio: join(dir, "rec/a.wav"), channel: 0 },
      { line: 3, customerSpeakerId: "caller01", audio: join(dir, "rec/b, with comma.wav"), channel: 1 },
      {
        line: 4,
        customerSpeakerId: "caller02",
        audio: join(dir, "rec/multi\nline.wav"),
        channel: 0,
        requestId: "r-2",
      },
      { line: 7, customerSpeakerId: "caller03", audio: "s3://bucket-a/x.wav", channel: 0 },
    ]);
    expect(await detectCallerListFormat(list)).toBe("csv");
  });

  it("names the file, line and column of a missing or unknown column", async () => {
    const dir = folder();
    const missing = join(dir, "missing.csv");
    writeFileSync(missing, "customer_speaker_id,channel\ncaller01,0\n");
    const error = await failure(missing);
    expect(error.code).toBe("INPUT_INVALID");
    expect(error.message).toContain(`${missing}:1:`);
    expect(error.message).toContain('"audio"');
    const unknown = join(dir, "unknown.csv");
    writeFileSync(unknown, "customer_speaker_id,audio,speed\ncaller01,a.wav,2\n");
    const unknownError = await failure(unknown);
    expect(unknownError.message).toMatch(/unknown\.csv:1: unknown column "speed" \(column 3\)/);
  });

  it("reports broken quoting and wrong column counts with the line and a hint", async () => {
    const dir = folder();
    const quoting = join(dir, "quoting.csv");
    writeFileSync(quoting, 'customer_speaker_id,audio\ncaller01,a.wav\ncaller02,"b.wav"x\n');
    const error = await failure(quoting);
    expect(error.code).toBe("INPUT_INVALID");
    expect(error.message).toContain(`${quoting}:3: malformed CSV`);
    expect(error.hint).toMatch(/Quote fields/);
    const columns = join(dir, "columns.csv");
    writeFileSync(columns, "customer_speaker_id,audio\ncaller01,a.wav\ncaller02,b.wav,extra\n");
    const columnsError = await failure(columns);
    expect(columnsError.message).toContain(`${columns}:3: malformed CSV`);
    expect(columnsError.hint).toMatch(/as many fields as the header/);
  });

  it("passes unusable rows to onInvalidRow instead of failing", async () => {
    const dir = folder();
    const list = join(dir, "rows.csv");
    writeFileSync(
      list,
      "customer_speaker_id,audio,channel\n,a.wav,\ncaller02,,\ncaller03,c.wav,x\ncaller04,d.wav,\n",
    );
    const problems: PlanProblem[] = [];
    const rows = await readAll(list, { onInvalidRow: (p) => problems.push(p) });
    expect(rows.map((r) => r.customerSpeakerId)).toEqual(["caller04"]);
    expect(problems.map((p) => [p.line, p.reason])).toEqual([
      [2, "MISSING_SPEAKER_ID"],
      [3, "MISSING_AUDIO"],
      [4, "CHANNEL_INVALID"],
    ]);
    expect((await failure(list)).message).toContain(":2: customer_speaker_id is empty");
  });

  it("reads mixed CRLF, LF and CR line endings as rows", async () => {
    const dir = folder();
    const list = join(dir, "mixed.csv");
    writeFileSync(list, "customer_speaker_id,audio\r\ncaller01,a.wav\ncaller02,b.wav\rcaller03,c.wav\r\n");
    const rows = await readAll(list);
    expect(rows.map((r) => [r.line, r.customerSpeakerId, r.audio])).toEqual([
      [2, "caller01", join(dir, "a.wav")],
      [3, "caller02", join(dir, "b.wav")],
      [4, "caller03", join(dir, "c.wav")],
    ]);
  });

  it("reports binary garbage as malformed CSV with a short message, not as an unreadable file", async () => {
    const dir = folder();
    const list = join(dir, "garbage.csv");
    writeFileSync(
      list,
      Buffer.concat([Buffer.from([3, 0x22, 0xff]), Buffer.alloc(10_000, 0x41), Buffer.from('"x')]),
    );
    const error = await failure(list);
    expect(error.code).toBe("INPUT_INVALID");
    expect(error.message).toContain(`${list}:1: malformed CSV`);
    expect(error.message.length).toBeLessThan(400);
    expect(error.hint).toMatch(/Quote fields/);
  });

  it("turns an audio field no file system accepts (NUL, over PATH_MAX, a too-long name) into a row problem", async () => {
    const dir = folder();
    const list = join(dir, "paths.csv");
    const huge = "x".repeat(100_000);
    writeFileSync(
      list,
      `customer_speaker_id,audio\ncaller01,"a\0b.wav"\ncaller02,${huge}\ncaller03,${"n".repeat(300)}.wav\ncaller04,d.wav/e.wav\n`,
    );
    const problems: PlanProblem[] = [];
    const rows = await readAll(list, { onInvalidRow: (p) => problems.push(p) });
    expect(problems.map((p) => [p.line, p.reason])).toEqual([
      [2, "PATH_INVALID"],
      [3, "PATH_INVALID"],
    ]);
    expect(problems[1]?.audio?.length).toBeLessThan(100);
    // A name over NAME_MAX and a file used as a folder pass the list; the header check reports them.
    expect(rows.map((r) => r.customerSpeakerId)).toEqual(["caller03", "caller04"]);
  });
});

describe("readCallerList: JSONL and manifests", () => {
  it("reads snake_case and camelCase lines and names a bad line", async () => {
    const dir = folder();
    const list = join(dir, "callers.jsonl");
    writeFileSync(
      list,
      '{"customer_speaker_id":"caller01","audio":"a.wav"}\n\n{"customerSpeakerId":"caller02","audio":"s3://bucket-a/b.wav","channel":1,"requestId":"r2"}\n',
    );
    expect(await readAll(list)).toEqual([
      { line: 1, customerSpeakerId: "caller01", audio: join(dir, "a.wav"), channel: 0 },
      { line: 3, customerSpeakerId: "caller02", audio: "s3://bucket-a/b.wav", channel: 1, requestId: "r2" },
    ]);
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"customer_speaker_id":"caller01","audio":"a.wav"}\n{"customer_speaker_id":\n');
    const error = await failure(bad);
    expect(error.code).toBe("INPUT_INVALID");
    expect(error.message).toContain(`${bad}:2: not valid JSON`);
    const unknown = join(dir, "unknown.jsonl");
    writeFileSync(unknown, '{"customer_speaker_id":"c","audio":"a.wav","colour":"red"}\n');
    expect((await failure(unknown)).message).toContain(':1: unknown field "colour"');
    const deep = join(dir, "deep.jsonl");
    writeFileSync(deep, `{"customer_speaker_id":${"[".repeat(100_000)}${"]".repeat(100_000)}}\n`);
    expect((await failure(deep)).message).toContain(':1: "customer_speaker_id" must be a string, not a list');
  });

  it("imports speaker-enrollment and fraudster-registration manifests", async () => {
    const dir = folder();
    const speakers = join(dir, "manifest.json");
    writeFileSync(
      speakers,
      JSON.stringify({
        Version: "1.0",
        SpeakerEnrollmentRequests: [
          {
            RequestId: "r1",
            SpeakerId: "caller01",
            AudioSpecifications: [
              { S3Uri: "s3://bucket-a/1.wav", ChannelId: 0 },
              { S3Uri: "s3://bucket-a/2.wav", ChannelId: 1 },
            ],
          },
          {
            RequestId: "r2",
            SpeakerId: "caller02",
            AudioSpecifications: [{ S3Uri: "s3://bucket-a/3.wav", ChannelId: 0 }],
          },
        ],
      }),
    );
    expect(await readAll(speakers)).toEqual([
      { line: 1, customerSpeakerId: "caller01", audio: "s3://bucket-a/1.wav", channel: 0, requestId: "r1" },
      { line: 1, customerSpeakerId: "caller01", audio: "s3://bucket-a/2.wav", channel: 1, requestId: "r1" },
      { line: 2, customerSpeakerId: "caller02", audio: "s3://bucket-a/3.wav", channel: 0, requestId: "r2" },
    ]);
    // Without a .json extension the content decides.
    const fraud = join(dir, "fraud.manifest");
    writeFileSync(
      fraud,
      JSON.stringify({
        Version: "1.0",
        FraudsterRegistrationRequests: [
          { RequestId: "f1", AudioSpecifications: [{ S3Uri: "s3://bucket-a/f.wav", ChannelId: 0 }] },
        ],
      }),
    );
    expect(await detectCallerListFormat(fraud)).toBe("manifest");
    expect(await readAll(fraud)).toEqual([
      { line: 1, customerSpeakerId: "f1", audio: "s3://bucket-a/f.wav", channel: 0, requestId: "f1" },
    ]);
  });
});

describe("readCallerList: paths", () => {
  it("rejects paths that escape the list's folder unless allowOutside", async () => {
    const outside = folder();
    writeFileSync(join(outside, "x.wav"), "RIFF");
    const dir = folder();
    mkdirSync(join(dir, "rec"));
    symlinkSync(join(outside, "x.wav"), join(dir, "rec", "link.wav"));
    symlinkSync(outside, join(dir, "linked-folder"));
    // A link to a file that does not exist yet must not become an escape once the file appears.
    symlinkSync(join(outside, "later.wav"), join(dir, "rec", "dangling.wav"));
    const cases = [
      "../x.wav",
      join(outside, "x.wav"),
      "rec/link.wav",
      "linked-folder/missing.wav",
      "rec/dangling.wav",
    ];
    for (const audio of cases) {
      const list = join(dir, "callers.csv");
      writeFileSync(list, `customer_speaker_id,audio\ncaller01,${audio}\n`);
      const error = await failure(list);
      expect(error.code, audio).toBe("PATH_ESCAPE");
      expect(error.message).toContain(`${list}:2:`);
      const rows = await readAll(list, { allowOutside: true });
      expect(rows[0]?.audio).toBe(resolve(dir, audio));
    }
    // An absolute path inside the folder is fine, and so is a link that stays inside it.
    writeFileSync(join(dir, "rec", "a.wav"), "RIFF");
    symlinkSync(join(dir, "rec", "a.wav"), join(dir, "rec", "inner-link.wav"));
    const list = join(dir, "inside.csv");
    writeFileSync(
      list,
      `customer_speaker_id,audio\ncaller01,${join(dir, "rec", "a.wav")}\ncaller02,rec/inner-link.wav\n`,
    );
    expect((await readAll(list)).map((row) => row.audio)).toEqual([
      join(dir, "rec", "a.wav"),
      join(dir, "rec", "inner-link.wav"),
    ]);
  });

  it("reports a missing list as INPUT_NOT_FOUND", async () => {
    expect((await failure(join(folder(), "nope.csv"))).code).toBe("INPUT_NOT_FOUND");
  });
});

describe("readCallerList: streaming", () => {
  it("reads 1,000,000 rows in a process limited to a 64 MB heap", () => {
    const dir = folder();
    const list = join(dir, "million.csv");
    const script = join(dir, "count.mjs");
    const moduleUrl = new URL("./caller-list.ts", import.meta.url).href;
    writeFileSync(
      script,
      `import { createWriteStream } from "node:fs";
import { once } from "node:events";
const { readCallerList } = await import(${JSON.stringify(moduleUrl)});
const out = createWriteStream(${JSON.stringify(list)});
out.write("customer_speaker_id,audio,channel\\n");
for (let i = 0; i < 1_000_000; i++) {
  if (!out.write("caller" + (i % 250000) + ",rec/" + (i % 97) + "/call-" + i + ".wav,0\\n")) await once(out, "drain");
}
out.end();
await once(out, "finish");
let rows = 0;
for await (const row of readCallerList(${JSON.stringify(list)})) rows++;
process.stdout.write(String(rows));
`,
    );
    const result = spawnSync(process.execPath, ["--max-old-space-size=64", "--import", "tsx", script], {
      encoding: "utf8",
      cwd: resolve(import.meta.dirname, ".."),
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("1000000");
    expect(result.status).toBe(0);
  }, 300_000);
});
