import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cvk } from "./cvk-bin.ts";

// Black-box: the built binary (`npx turbo run build --filter=@cvk/cli...` first), --sandbox in a temp cwd.
// dev and prod share every setting but their instance (and Region): their flows may differ only in ARNs.
const CONFIG = `version: 1
defaults:
  region: us-west-2
  voiceId:
    domain:
      name: cvk-flow-test
      create: true
      kmsKeyId: alias/cvk-voiceid
    authenticationThreshold: 90
  connect:
    flows:
      - name: cvk Voice ID authentication
        template: voiceid-sample-flow
        type: CONTACT_FLOW
        publish: true
        parameters:
          customerId: $.Attributes.customerSpeakerId
          queue: queue:BasicQueue
          welcomePrompt: prompt:Beep.wav
environments:
  dev:
    connect:
      instanceId: 11111111-2222-3333-4444-555555555555
  prod:
    region: us-east-1
    connect:
      instanceId: 66666666-7777-8888-9999-000000000000
  broken:
    connect:
      instanceId: 22222222-2222-4222-8222-222222222222
      flows:
        - name: broken
          template: templates/broken.json.hbs
          publish: true
          parameters:
            operand: Not Enrolled
`;

// Defects only Connect's publish check sees once the linter is off: a console label, a dangling branch.
const BROKEN = `{
  "Version": "2019-10-30",
  "StartAction": "check",
  "Metadata": {},
  "Actions": [
    {
      "Identifier": "check",
      "Type": "CheckVoiceId",
      "Parameters": { "CheckVoiceIdOption": "voiceAuthentication" },
      "Transitions": {
        "NextAction": "end",
        "Conditions": [{ "NextAction": "end", "Condition": { "Operator": "Equals", "Operands": [{{json operand}}] } }],
        "Errors": [{ "ErrorType": "NoMatchingError", "NextAction": "nowhere" }]
      }
    },
    { "Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {} }
  ]
}
`;

function workspace(): string {
  const cwd = mkdtempSync(join(tmpdir(), "cvk-flow-cli-"));
  writeFileSync(join(cwd, "cvk.config.yaml"), CONFIG);
  return cwd;
}

function lastJson(stdout: string, type: string): Record<string, unknown> {
  const lines = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.type === type);
  return lines.at(-1) as Record<string, unknown>;
}

/** Every string that differs between two JSON documents, as [path, a, b]. */
function differences(a: unknown, b: unknown, path = ""): [string, unknown, unknown][] {
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) =>
      differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}/${key}`),
    );
  }
  return a === b ? [] : [[path, a, b]];
}

describe("cvk flow (black-box, --sandbox)", () => {
  it("renders per environment, lints, deploys idempotently, diffs, redeploys one change and graphs", () => {
    const cwd = workspace();
    const dev = cvk(
      ["flow", "render", "--env", "dev", "--sandbox", "--out", "dev.json", "--no-progress"],
      cwd,
    );
    expect(dev.code, dev.stderr).toBe(0);
    expect(dev.stdout).toContain("4 reference(s) resolved");
    const prod = cvk(
      ["flow", "render", "--env", "prod", "--sandbox", "--out", "prod.json", "--no-progress"],
      cwd,
    );
    expect(prod.code, prod.stderr).toBe(0);
    const devFlow = JSON.parse(readFileSync(join(cwd, "dev.json"), "utf8"));
    const prodFlow = JSON.parse(readFileSync(join(cwd, "prod.json"), "utf8"));
    const diffs = differences(devFlow, prodFlow);
    expect(diffs.length).toBeGreaterThanOrEqual(4);
    for (const [, a, b] of diffs) {
      expect(a).toMatch(/^arn:aws:connect:us-west-2:\d{12}:instance\/11111111-2222-3333-4444-555555555555\//);
      expect(b).toMatch(/^arn:aws:connect:us-east-1:\d{12}:instance\/66666666-7777-8888-9999-000000000000\//);
    }

    const lint = cvk(["flow", "lint", "dev.json", "prod.json"], cwd);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stdout).toContain("0 error(s)");

    const plan = cvk(["flow", "deploy", "--env", "dev", "--sandbox", "--dry-run", "--json"], cwd);
    expect(plan.code, plan.stdout).toBe(0);
    const planned = lastJson(plan.stdout, "flow-deploy") as {
      dryRun: boolean;
      writes: { operation: string }[];
    };
    expect(planned.dryRun).toBe(true);
    expect(planned.writes.map((w) => w.operation)).toEqual(["CreateContactFlow", "UpdateContactFlowContent"]);

    const first = cvk(["flow", "deploy", "--env", "dev", "--sandbox", "--no-progress"], cwd);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("2 write(s)");
    expect(first.stdout).toContain("cvk Voice ID authentication: created");
    const second = cvk(["flow", "deploy", "--env", "dev", "--sandbox", "--json"], cwd);
    expect(second.code, second.stdout).toBe(0);
    expect(lastJson(second.stdout, "flow-deploy")).toMatchObject({ writes: [] });

    const same = cvk(["flow", "diff", "--env", "dev", "--sandbox", "--exit-code", "--no-progress"], cwd);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("no changes");
    const changed = cvk(
      [
        "flow",
        "diff",
        "--env",
        "dev",
        "--sandbox",
        "--param",
        "authenticationThreshold=95",
        "--exit-code",
        "--no-progress",
      ],
      cwd,
    );
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(
      /~ \/Actions\/\d+\/Parameters\/VoiceAuthenticationThreshold \(action set-voice-id\): "90" → "95"/,
    );
    expect(changed.stdout.match(/^[~+-] /gm)).toHaveLength(1);
    expect(changed.stderr).toContain("CHECK_FAILED");

    const update = cvk(
      ["flow", "deploy", "--env", "dev", "--sandbox", "--param", "authenticationThreshold=95", "--json"],
      cwd,
    );
    expect(update.code, update.stdout).toBe(0);
    const updated = lastJson(update.stdout, "flow-deploy") as { writes: { operation: string }[] };
    expect(updated.writes.map((w) => w.operation)).toEqual(["UpdateContactFlowContent"]);

    const graph = cvk(["flow", "graph", "dev.json", "--out", "dev.mmd"], cwd);
    expect(graph.code, graph.stderr).toBe(0);
    expect(readFileSync(join(cwd, "dev.mmd"), "utf8")).toMatch(/^flowchart TD/);

    const enable = cvk(["instance", "enable-voice-id", "--env", "dev", "--sandbox", "--no-progress"], cwd);
    expect(enable.code, enable.stderr).toBe(0);
    expect(enable.stdout).toContain("associated");
    const again = cvk(["instance", "enable-voice-id", "--env", "dev", "--sandbox", "--json"], cwd);
    expect(again.code, again.stdout).toBe(0);
    expect(lastJson(again.stdout, "voice-id-association")).toMatchObject({ outcome: "already-associated" });
  });

  it("shows every problem of a flow Connect refuses to publish, and the linter catches them first", () => {
    const cwd = workspace();
    mkdirSync(join(cwd, "templates"));
    writeFileSync(join(cwd, "templates", "broken.json.hbs"), BROKEN);

    const linted = cvk(["flow", "deploy", "--env", "broken", "--sandbox", "--no-progress"], cwd);
    expect(linted.code).toBe(1);
    expect(linted.stderr).toContain("FLOW_INVALID");
    expect(linted.stderr).toContain("linter");

    const refused = cvk(
      ["flow", "deploy", "--env", "broken", "--sandbox", "--no-lint", "--no-progress"],
      cwd,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cvk: FLOW_INVALID: Connect refused to publish flow "broken"');
    const listed = refused.stderr.split("\n").filter((line) => line.startsWith("  - "));
    expect(listed.length).toBeGreaterThanOrEqual(2);
    expect(listed.join("\n")).toContain("Not Enrolled");
    expect(listed.join("\n")).toContain("nowhere");

    writeFileSync(
      join(cwd, "bad.json"),
      readFileSync(join(cwd, "templates", "broken.json.hbs"), "utf8").replace(
        "{{json operand}}",
        '"Not Enrolled"',
      ),
    );
    const lint = cvk(["flow", "lint", "bad.json"], cwd);
    expect(lint.code).toBe(1);
    expect(lint.stdout).toMatch(/SEVERITY\s+RULE\s+ACTION\s+POINTER\s+MESSAGE/);
    expect(lint.stdout).toContain("/Actions/0/");
    expect(lint.stderr).toContain("CHECK_FAILED");
  });

  it("renders offline with --template and --param, and names a missing parameter (exit 2)", () => {
    const cwd = workspace();
    const ok = cvk(
      [
        "flow",
        "render",
        "--template",
        "voiceid-sample-flow",
        "--param",
        "customerId=caller-1",
        "--param",
        "fraudThreshold=40",
      ],
      cwd,
    );
    expect(ok.code, ok.stderr).toBe(0);
    const document = JSON.parse(ok.stdout);
    expect(JSON.stringify(document)).toContain('"QueueId":"queue:BasicQueue"');
    expect(JSON.stringify(document)).toContain('"FraudDetectionThreshold":"40"');
    expect(ok.stderr).toContain("offline: 2 name reference(s) left as written (queue:BasicQueue)");

    const missing = cvk(["flow", "render", "--template", "voiceid-sample-flow"], cwd);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("TEMPLATE_PARAMETER");
    expect(missing.stderr).toContain("customerId");
    const unknown = cvk(["flow", "render", "--template", "no-such-template"], cwd);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("voiceid-sample-flow");
  });

  it("has help with examples for every command", () => {
    const cwd = workspace();
    const help = cvk(["flow", "--help"], cwd);
    for (const sub of ["render", "lint", "diff", "deploy", "graph"])
      expect(help.stdout).toContain(`cvk flow ${sub}`);
    for (const sub of ["render", "lint <files..>", "diff", "deploy", "graph <file>"]) {
      const text = cvk(["flow", ...sub.split(" ").slice(0, 1), "--help"], cwd).stdout;
      expect(text, sub).toContain("Examples:");
    }
    const instance = cvk(["instance", "enable-voice-id", "--help"], cwd).stdout;
    expect(instance).toContain("Examples:");
  });
});
