import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { voiceWav } from "../../enrollment/src/run-fixtures/test-support.ts";
import { cvk } from "./cvk-bin.ts";

// Black-box: the built binary (`npx turbo run build --filter=@cvk/cli...` first), --sandbox in a temp cwd.
const CONFIG = `version: 1
environments:
  sandbox:
    region: us-west-2
    accountId: "123456789012"
    voiceId:
      domain:
        name: cvk-fraud
        create: true
        kmsKeyId: arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555
      watchlist:
        name: fraud-list
    enrollment:
      inputS3Uri: s3://cvk-in/enroll
      outputS3Uri: s3://cvk-out/results/
      dataAccessRoleArn: arn:aws:iam::123456789012:role/VoiceIdBatchAccess
    fraudsters:
      duplicateRegistrationAction: SKIP
      similarityThreshold: 50
`;

function csvRows(path: string): string[][] {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((line) => line.split(","));
}

describe("cvk fraudsters register (black-box, --sandbox)", () => {
  it("registers, resumes as a no-op, and skips the same voices in a new list", () => {
    const cwd = mkdtempSync(join(tmpdir(), "cvk-fraud-cli-"));
    writeFileSync(join(cwd, "cvk.config.yaml"), CONFIG);
    mkdirSync(join(cwd, "audio"));
    // The embedded sandbox needs the documented 30 s of net speech: two 25 s recordings each.
    const lines = ["customer_speaker_id,audio"];
    for (const voice of ["mallory", "oscar"]) {
      for (const seed of [1, 2]) {
        writeFileSync(join(cwd, "audio", `${voice}-${seed}.wav`), voiceWav(voice, 25, seed));
        lines.push(`${voice},audio/${voice}-${seed}.wav`);
      }
    }
    lines.push("ghost,audio/missing.wav");
    writeFileSync(join(cwd, "fraudsters.csv"), `${lines.join("\n")}\n`);

    const args = ["fraudsters", "register", "fraudsters.csv", "--sandbox", "--poll-interval", "50"];
    const run = cvk([...args, "--no-progress"], cwd);
    expect(run.stderr + run.stdout).not.toContain("INTERNAL");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("NEW_REGISTRATION 2");
    expect(run.stdout).toContain("EXCLUDED_IN_PLAN 1");
    const runs = readdirSync(join(cwd, ".cvk/runs"));
    expect(runs).toHaveLength(1);
    const runDir = join(cwd, ".cvk/runs", runs[0] as string);
    const [header, ...rows] = csvRows(join(runDir, "report.csv"));
    expect(header).toEqual([
      "fraudster",
      "request_id",
      "status",
      "generated_fraudster_id",
      "similarity_score",
      "error_code",
      "reason",
    ]);
    expect(rows.map((r) => `${r[0]}:${r[2]}`).sort()).toEqual([
      "ghost:EXCLUDED_IN_PLAN",
      "mallory:NEW_REGISTRATION",
      "oscar:NEW_REGISTRATION",
    ]);
    const report = readFileSync(join(runDir, "report.csv"), "utf8");

    const again = cvk([...args, "--json"], cwd);
    expect(again.code, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout.trim().split("\n").at(-1) as string);
    expect(result).toMatchObject({ type: "fraudster-registration", resumed: true, fraudsters: 3 });
    expect(readFileSync(join(runDir, "report.csv"), "utf8")).toBe(report);

    // The same voices under new labels: another plan, so new jobs (under SKIP: duplicates).
    const again2 = lines.slice(1, 5).map((line) => line.replace(/^(\w+),/, "$1-again,"));
    writeFileSync(join(cwd, "again.csv"), `customer_speaker_id,audio\n${again2.join("\n")}\n`);
    const skip = cvk(
      [
        "fraudsters",
        "register",
        "again.csv",
        "--sandbox",
        "--out",
        "plan-2",
        "--run-dir",
        "run-2",
        "--no-progress",
      ],
      cwd,
    );
    expect(skip.code, skip.stderr).toBe(0);
    expect(skip.stdout).toContain("DUPLICATE_SKIPPED 2");
    const skipped = csvRows(join(cwd, "run-2", "report.csv")).filter((r) => r[2] === "DUPLICATE_SKIPPED");
    expect(skipped.map((r) => r[0]).sort()).toEqual(["mallory-again", "oscar-again"]);
    expect(skipped.every((r) => Number(r[4]) >= 50)).toBe(true);
  });

  it("without a config it fails with CONFIG_NOT_FOUND and exit code 2", () => {
    const cwd = mkdtempSync(join(tmpdir(), "cvk-fraud-cli-"));
    writeFileSync(join(cwd, "list.csv"), "customer_speaker_id,audio\n");
    const run = cvk(["fraudsters", "register", "list.csv", "--sandbox", "--no-progress"], cwd);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("CONFIG_NOT_FOUND");
    expect(run.stderr).toContain("hint:");
  });
});
