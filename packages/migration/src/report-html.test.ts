import { describe, expect, it } from "vitest";
import { barChart, escapeHtml, histogram, renderReportHtml, timeline } from "./report-html.ts";
import type { MigrationReport } from "./types.ts";

function report(overrides: Partial<MigrationReport> = {}): MigrationReport {
  return {
    version: 1,
    env: "dev",
    region: "us-west-2",
    mode: "migrate",
    migrationId: "20261124T000000-abcdef",
    outcome: "succeeded",
    startedAt: "2026-11-24T00:00:00.000Z",
    finishedAt: "2026-11-24T00:00:30.000Z",
    invocations: 2,
    steps: [
      {
        step: "domain",
        title: "Voice ID domain (and its KMS key)",
        status: "done",
        summary: "created",
        startedAt: "2026-11-24T00:00:00.000Z",
        finishedAt: "2026-11-24T00:00:01.000Z",
        earlier: true,
      },
      { step: "verify", title: "Verify all", status: "done", summary: "passed" },
    ],
    writes: [{ step: "domain", service: "voiceid", operation: "CreateDomain", summary: "created <domain>" }],
    enrollment: {
      callers: 10,
      counts: { NEW_ENROLLMENT: 8, FAILED: 1, EXCLUDED_IN_PLAN: 1 },
      enrolled: 8,
      failed: 1,
      excluded: 1,
      byReason: [
        { reason: "FRAUDSTER_MATCH", stage: "job", count: 1, explanation: "matches a fraudster" },
        { reason: "TOO_LITTLE_SPEECH", stage: "plan", count: 1, explanation: "too short" },
      ],
      prepare: { converted: 2, unfixable: 0, fixedByReason: { SAMPLE_RATE: 2 } },
      speech: {
        minSeconds: 30,
        measured: 9,
        bins: [
          { from: 10, to: 12, count: 1 },
          { from: 30, to: 32, count: 8 },
        ],
      },
      jobs: [
        {
          kind: "enrollment",
          shard: 1,
          jobId: "j1",
          status: "COMPLETED_WITH_ERRORS",
          requests: 9,
          startedAt: "2026-11-24T00:00:05.000Z",
          endedAt: "2026-11-24T00:00:20.000Z",
        },
      ],
      paths: { plan: "/p", run: "/r", reportCsv: "/r/report.csv" },
    },
    flows: [
      {
        name: "<script>alert(1)</script>",
        outcome: "created",
        published: true,
        lint: { errors: 0, warnings: 1, findings: [{ severity: "warning", rule: "r", message: "m <b>" }] },
        contentPath: "/f.json",
        mermaid:
          'flowchart TD\n  entry(("Start"))\n  a0["Play prompt<br/>#lt;img src=x#gt;"]\n  entry --> a0\n',
        writes: ["create"],
      },
    ],
    instance: {
      instanceId: "i",
      association: "associated",
      domainArn: "arn:aws:voiceid:us-west-2:123456789012:domain/d",
      phoneNumbers: [{ number: "+12065550150", flow: "f", outcome: "associated" }],
    },
    verification: {
      passed: true,
      counts: { passed: 1, failed: 0, skipped: 1 },
      checks: [
        { group: "speakers", name: "No expected caller is missing", status: "passed", message: "8/8" },
        { group: "flow", name: "skip me", status: "skipped" },
      ],
    },
    paths: { dir: "/d", reportJson: "/d/report.json", reportHtml: "/d/report.html" },
    ...overrides,
  };
}

describe("renderReportHtml", () => {
  it("is one self-contained page: a strict CSP, no script, nothing fetched, every value escaped", () => {
    const html = renderReportHtml(report());
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import/i);
    // url() only for in-page fragments (SVG markers), never for anything fetched.
    expect(html).not.toMatch(/url\((?!#)/);
    expect(html).not.toMatch(/\s(src|href)\s*=\s*["']/);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x&gt;");
    for (const title of [
      "Callers by outcome",
      "Callers not enrolled, by reason",
      "Net speech per caller",
      "Steps and batch jobs over time",
    ])
      expect(html).toContain(`<title>${title}</title>`);
    expect(html).toContain("FRAUDSTER_MATCH");
    expect(html).toContain("2 invocations (resumed)");
  });

  it("says what a plan would do, and what stopped a failed migration", () => {
    const plan = renderReportHtml(report({ mode: "plan", outcome: "planned" }));
    expect(plan).toContain("plan: nothing written");
    expect(plan).toContain("Writes a migration would make (none made)");
    const failed = renderReportHtml(
      report({
        outcome: "failed",
        failure: { step: "enrollment.run", code: "JOB_FAILED", message: "1 job FAILED", hint: "fix it" },
      }),
    );
    expect(failed).toContain("Stopped at enrollment.run");
    expect(failed).toContain("hint: fix it");
  });
});

describe("charts", () => {
  it("draw nothing misleading for empty data", () => {
    expect(barChart([], "x")).toContain("Nothing to show");
    expect(histogram([], 30, "x")).toContain("No net speech");
    expect(timeline([], [], "x")).toContain("No timed steps");
  });

  it("escapes", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});
