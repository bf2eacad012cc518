import { describe, expect, it } from "vitest";
import { renderJson, renderJunit, renderMarkdown, renderTable } from "./renderers.ts";
import { buildReport, type VerificationCheck } from "./report.ts";
import { junitProblems } from "./test-support.ts";

const HOSTILE = `a <b> & "c" 'd' | e \`f\` ]]> \u0001\u0007 ✓ ${"\ud83d\ude00"}`;

function checks(): VerificationCheck[] {
  return [
    {
      id: "speakers.missing",
      section: "speakers",
      name: "No expected caller is missing",
      status: "pass",
      summary: "none of 3",
      details: [],
    },
    {
      id: "speakers.opted-out",
      section: "speakers",
      name: "No expected caller has opted out",
      status: "fail",
      summary: `1 of 3 ${HOSTILE}`,
      details: ["bo****ob (id#abc)", HOSTILE, "```not a fence```"],
      callers: [{ customerSpeakerId: "bo****ob", outcome: "OPTED_OUT" }],
    },
    {
      id: "flow.x.published",
      section: "flow",
      name: `flow "x|y": is published`,
      status: "skip",
      summary: "publish: false",
      details: [],
    },
    {
      id: "instance.watchlists",
      section: "instance",
      name: "Watchlists",
      status: "pass",
      summary: "default",
      details: [],
    },
  ];
}

const fixedNow = () => Date.UTC(2026, 10, 24, 12, 0, 0);

describe("renderers", () => {
  it("JUnit: one testcase per check, failures and skips counted, hostile text escaped, valid against the JUnit schema", async () => {
    const report = buildReport(checks(), {
      environment: 'dev"<&>',
      now: fixedNow,
      startedAt: fixedNow() - 1500,
    });
    const xml = renderJunit(report);
    expect(await junitProblems(xml)).toEqual([]);
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml.match(/<skipped /g)).toHaveLength(1);
    expect(xml).toContain('<testsuites name="cvk verify" tests="4" failures="1" errors="0" time="1.500">');
    expect(xml).toContain(
      '<testsuite name="cvk verify speakers" tests="2" failures="1" errors="0" skipped="0"',
    );
    expect(xml).toContain('type="speakers.opted-out"');
    expect(xml).toContain("a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;");
    expect(xml).not.toContain("\u0001");
    expect(xml).toContain("\ud83d\ude00");
  });

  it("JUnit validation catches a report that breaks the schema (the validator is not a rubber stamp)", async () => {
    const xml = renderJunit(buildReport(checks(), { now: fixedNow }));
    const broken = xml.replace('<testsuite name="cvk verify flow"', '<testsuite label="cvk verify flow"');
    expect(broken).not.toBe(xml);
    expect((await junitProblems(broken)).join("\n")).toMatch(/name/);
    expect(await junitProblems("<testsuites><testcase name='x'/></testsuites>")).not.toEqual([]);
  });

  it("Markdown: verdict, one row per check, pipes escaped, failures in fences that cannot be closed early", () => {
    const md = renderMarkdown(buildReport(checks(), { environment: "dev", now: fixedNow }));
    expect(md.split("\n")[0]).toBe("## cvk verify — dev: ❌ 1 check(s) failed");
    expect(md).toContain('| ⏭️ skip | `flow.x.published` flow "x\\|y": is published | publish: false |');
    const rows = md.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| status"));
    expect(rows).toHaveLength(4);
    const fenced = md.slice(md.indexOf("```\n"));
    expect(fenced.match(/^```$/gm)).toHaveLength(2);
    expect(md).toContain("CustomerSpeakerIds masked");
  });

  it("Markdown says passed when nothing failed", () => {
    const md = renderMarkdown(
      buildReport(
        checks().filter((c) => c.status !== "fail"),
        { now: fixedNow },
      ),
    );
    expect(md.split("\n")[0]).toBe("## cvk verify: ✅ passed");
    expect(md).not.toContain("### Failures");
  });

  it("table and JSON agree with the model", () => {
    const report = buildReport(checks(), { now: fixedNow, showIds: true });
    const table = renderTable(report);
    expect(table).toMatch(/^STATUS\s+CHECK\s+RESULT$/m);
    expect(table).toMatch(/^FAIL\s+speakers\.opted-out\s+1 of 3/m);
    expect(table).toMatch(/^skip\s+flow\.x\.published/m);
    expect(table).toContain(
      "4 check(s): 2 passed, 1 failed, 1 skipped (CustomerSpeakerIds shown: --show-ids)",
    );
    const json = JSON.parse(renderJson(report));
    expect(json).toMatchObject({ passed: false, idsMasked: false, summary: { total: 4, failed: 1 } });
    expect(json.checks.map((c: VerificationCheck) => c.id)).toEqual(report.checks.map((c) => c.id));
  });
});
