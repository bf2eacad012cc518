import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTestPlan } from "../../enrollment/src/run-fixtures/test-support.ts";
import { cvk } from "./cvk-bin.ts";

function config(domain: { name: string; create: boolean }): string {
  return `version: 1
environments:
  sandbox:
    region: us-west-2
    accountId: "123456789012"
    voiceId:
      domain:
        name: ${domain.name}
        create: ${domain.create}
        kmsKeyId: arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555
    enrollment:
      inputS3Uri: s3://cvk-in/enroll
      outputS3Uri: s3://cvk-out/results/
      dataAccessRoleArn: arn:aws:iam::123456789012:role/VoiceIdBatchAccess
`;
}

describe("cvk enroll run / status / report, cvk iam policy (black-box, --sandbox)", () => {
  it("runs a plan, resumes as a no-op, shows status, re-renders the report", () => {
    const cwd = mkdtempSync(join(tmpdir(), "cvk-enroll-cli-"));
    writeFileSync(join(cwd, "cvk.config.yaml"), config({ name: "cvk-cli", create: true }));
    // The embedded sandbox needs the documented 30 s of net speech: two 25 s recordings.
    writeTestPlan(join(cwd, "plan"), {
      callers: [
        { id: "alice", seconds: 25, recordings: 2 },
        { id: "bob", seconds: 3 },
      ],
      shardSize: 1,
    });
    const run = cvk(["enroll", "run", "plan", "--sandbox", "--poll-interval", "50", "--no-progress"], cwd);
    expect(run.stderr + run.stdout).not.toContain("INTERNAL");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("NEW_ENROLLMENT 1");
    expect(run.stdout).toContain("FAILED 1");
    const runs = readdirSync(join(cwd, ".cvk/runs"));
    expect(runs).toHaveLength(1);
    const runDir = join(cwd, ".cvk/runs", runs[0] as string);
    for (const file of ["journal.jsonl", "plan.json", "report.json", "report.csv", "retry.csv"]) {
      expect(existsSync(join(runDir, file)), file).toBe(true);
    }
    const csv = readFileSync(join(runDir, "report.csv"), "utf8").trim().split("\n");
    expect(csv).toHaveLength(3);

    const again = cvk(["enroll", "run", "plan", "--sandbox", "--no-progress"], cwd);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("resuming");

    const status = cvk(["enroll", "status"], cwd);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain("finished");
    expect(status.stdout).toMatch(/jobs\s+2\/2 ended/);

    const report = cvk(["enroll", "report", runDir, "--json"], cwd);
    expect(report.code, report.stderr).toBe(0);
    const line = JSON.parse(report.stdout.trim().split("\n").at(-1) as string);
    expect(line).toMatchObject({
      type: "enrollment-report",
      callers: 2,
      counts: { NEW_ENROLLMENT: 1, FAILED: 1 },
    });
  });

  it("an unknown domain fails with AWS_NOT_FOUND, a hint and exit code 1", () => {
    const cwd = mkdtempSync(join(tmpdir(), "cvk-enroll-cli-"));
    writeFileSync(join(cwd, "cvk.config.yaml"), config({ name: "missing", create: false }));
    writeTestPlan(join(cwd, "plan"), { callers: [{ id: "alice", seconds: 2 }], shardSize: 1 });
    const run = cvk(["enroll", "run", "plan", "--sandbox", "--no-progress"], cwd);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("AWS_NOT_FOUND");
    expect(run.stderr).toContain("hint:");
  });

  it("iam policy prints scoped JSON", () => {
    const cwd = mkdtempSync(join(tmpdir(), "cvk-iam-cli-"));
    writeFileSync(join(cwd, "cvk.config.yaml"), config({ name: "cvk-cli", create: false }));
    const result = cvk(["iam", "policy", "--env", "sandbox"], cwd);
    expect(result.code, result.stderr).toBe(0);
    const policies = JSON.parse(result.stdout);
    expect(JSON.stringify(policies.dataAccessRolePolicy)).not.toContain('"Resource":"*"');
    expect(policies.trustPolicy.Statement[0].Condition.StringEquals["aws:SourceAccount"]).toBe(
      "123456789012",
    );
    const trust = cvk(["iam", "policy", "--env", "sandbox", "--document", "trust"], cwd);
    expect(JSON.parse(trust.stdout).Statement[0].Principal.Service).toBe("voiceid.amazonaws.com");
  });
});
