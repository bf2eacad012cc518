import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Output, type OutputOptions } from "./output.ts";

function stream(isTTY: boolean) {
  let text = "";
  const s = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  s.isTTY = isTTY;
  s.columns = 120;
  return { stream: s, text: () => text };
}

function output(options: Partial<OutputOptions>, tty: boolean) {
  const stdout = stream(tty);
  const stderr = stream(tty);
  const out = new Output(
    { json: false, quiet: false, verbose: false, progress: true, ...options },
    { stdout: stdout.stream, stderr: stderr.stream },
  );
  return { out, stdout: stdout.text, stderr: stderr.text };
}

describe("Output", () => {
  it("draws a bar with the count, percentage and ETA on a terminal, lines above it, and stops for results", () => {
    const { out, stdout, stderr } = output({}, true);
    out.event({ type: "started", step: "dev/enrollment/upload", total: 200, message: "200 files" });
    out.event({ type: "progress", step: "dev/enrollment/upload", done: 50, total: 200, message: "a.wav" });
    out.event({ type: "info", step: "dev/enrollment/jobs", message: "job started" });
    out.line("result");
    expect(stderr()).toMatch(/50\/200\s+25% \| ETA/);
    expect(stderr()).toMatch(/\d\d:\d\d:\d\d dev\/enrollment\/upload: 200 files/);
    expect(stderr()).toMatch(/\d\d:\d\d:\d\d dev\/enrollment\/jobs: job started/);
    expect(stdout()).toBe("result\n");
  });

  it("prints plain timestamped lines when not a terminal, and drops progress with --no-progress", () => {
    const plain = output({}, false);
    plain.out.event({ type: "progress", step: "s", done: 3, total: 9, message: "m" });
    expect(plain.stderr()).toMatch(/^\d\d:\d\d:\d\d s: 3\/9 m\n$/);
    const noProgress = output({ progress: false }, true);
    noProgress.out.event({ type: "progress", step: "s", done: 3, total: 9 });
    noProgress.out.event({ type: "info", step: "s", message: "hello" });
    expect(noProgress.stderr()).toMatch(/^\d\d:\d\d:\d\d s: hello\n$/);
  });

  it("is NDJSON with --json and silent with --quiet", () => {
    const json = output({ json: true }, true);
    json.out.event({ type: "progress", step: "s", done: 1, total: 2 });
    expect(JSON.parse(json.stdout())).toMatchObject({ type: "progress", step: "s", done: 1, total: 2 });
    expect(json.stderr()).toBe("");
    const quiet = output({ quiet: true }, true);
    quiet.out.event({ type: "info", step: "s", message: "m" });
    quiet.out.line("only this");
    expect(quiet.stderr()).toBe("");
    expect(quiet.stdout()).toBe("only this\n");
  });
});
