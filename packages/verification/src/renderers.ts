import type { CheckSection, VerificationCheck, VerificationReport } from "./report.ts";

/**
 * Four views of one report. None decides anything: pass/fail is the model's, so a table, a JUnit file
 * and a pull-request comment of the same run always agree.
 */

const SECTIONS: CheckSection[] = ["speakers", "flow", "instance"];

function sectionsOf(report: VerificationReport): { section: CheckSection; checks: VerificationCheck[] }[] {
  return SECTIONS.map((section) => ({
    section,
    checks: report.checks.filter((check) => check.section === section),
  })).filter((group) => group.checks.length > 0);
}

function verdict(report: VerificationReport): string {
  const { total, passed, failed, skipped } = report.summary;
  return `${total} check(s): ${passed} passed, ${failed} failed, ${skipped} skipped`;
}

// --- Terminal ----------------------------------------------------------------------------------

const STATUS_WORD = { pass: "pass", fail: "FAIL", skip: "skip" } as const;

/** A plain-text table (no colour codes: it is also what lands in CI logs), failures' details below. */
export function renderTable(report: VerificationReport): string {
  const rows = [["STATUS", "CHECK", "RESULT"]];
  for (const check of report.checks) rows.push([STATUS_WORD[check.status], check.id, check.summary]);
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  const lines = rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
  const failures = report.checks.filter((check) => check.status === "fail");
  if (failures.length > 0) lines.push("");
  for (const check of failures) {
    lines.push(`${check.id}: ${check.name}`);
    for (const detail of check.details) lines.push(`  ${detail}`);
  }
  lines.push("", `${verdict(report)}${report.idsMasked ? "" : " (CustomerSpeakerIds shown: --show-ids)"}`);
  return `${lines.join("\n")}\n`;
}

// --- JSON ----------------------------------------------------------------------------------------

export function renderJson(report: VerificationReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

// --- JUnit XML -----------------------------------------------------------------------------------

/** Text and attribute values: the five entities, and no character XML 1.0 forbids. */
export function escapeXml(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing the characters XML 1.0 cannot carry is the point.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&apos;")
  );
}

function seconds(value: number): string {
  return Math.max(0, value).toFixed(3);
}

/**
 * JUnit XML as CI systems read it (Jenkins, GitLab, GitHub and Azure test reporters): one
 * `<testsuite>` per section, one `<testcase>` per check, a `<failure>` for a failed check and
 * `<skipped>` for a skipped one. The tests validate it against schema/junit.xsd, the common format
 * those readers share; the root carries no `skipped` attribute, which the Jenkins schema allows on
 * `<testsuite>` only.
 */
export function renderJunit(report: VerificationReport): string {
  const groups = sectionsOf(report);
  const failures = report.summary.failed;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="cvk verify" tests="${report.summary.total}" failures="${failures}" errors="0" time="${seconds(report.durationSeconds)}">`,
  ];
  for (const { section, checks } of groups) {
    const failed = checks.filter((check) => check.status === "fail").length;
    const skipped = checks.filter((check) => check.status === "skip").length;
    lines.push(
      `  <testsuite name="cvk verify ${section}" tests="${checks.length}" failures="${failed}" errors="0" skipped="${skipped}" time="0.000" timestamp="${escapeXml(report.generatedAt)}">`,
      "    <properties>",
      `      <property name="tool" value="${escapeXml(`${report.tool} ${report.version}`)}"/>`,
      ...(report.environment === undefined
        ? []
        : [`      <property name="environment" value="${escapeXml(report.environment)}"/>`]),
      `      <property name="ids-masked" value="${report.idsMasked}"/>`,
      "    </properties>",
    );
    for (const check of checks) {
      const open = `    <testcase name="${escapeXml(`${check.id}: ${check.name}`)}" classname="cvk.verify.${section}" time="0.000"`;
      if (check.status === "pass") {
        lines.push(`${open}/>`);
        continue;
      }
      lines.push(`${open}>`);
      const body = escapeXml([check.summary, ...check.details].join("\n"));
      if (check.status === "fail")
        lines.push(
          `      <failure message="${escapeXml(check.summary)}" type="${escapeXml(check.id)}">${body}</failure>`,
        );
      else lines.push(`      <skipped message="${escapeXml(check.summary)}"/>`);
      lines.push("    </testcase>");
    }
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>");
  return `${lines.join("\n")}\n`;
}

// --- Markdown ------------------------------------------------------------------------------------

/** A table cell: no line breaks, pipes escaped, HTML-significant characters neutralised. */
function cell(text: string): string {
  return text
    .replace(/\r?\n/g, " ")
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/** Inline code that survives backticks inside (CommonMark: a longer fence). */
function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

const MARK = { pass: "✅ pass", fail: "❌ **fail**", skip: "⏭️ skip" } as const;

/** For a pull-request comment or a CI job summary ($GITHUB_STEP_SUMMARY): verdict, table, failure details. */
export function renderMarkdown(report: VerificationReport): string {
  const { failed } = report.summary;
  const title = `## cvk verify${report.environment ? ` — ${report.environment}` : ""}: ${failed === 0 ? "✅ passed" : `❌ ${failed} check(s) failed`}`;
  const lines = [title, "", `${verdict(report)}.`, ""];
  for (const { section, checks } of sectionsOf(report)) {
    lines.push(`### ${section}`, "", "| status | check | result |", "|---|---|---|");
    for (const check of checks)
      lines.push(
        `| ${MARK[check.status]} | ${code(check.id)} ${cell(check.name)} | ${cell(check.summary)} |`,
      );
    lines.push("");
  }
  const failures = report.checks.filter((check) => check.status === "fail");
  if (failures.length > 0) {
    lines.push("### Failures", "");
    for (const check of failures) {
      lines.push(`#### ${code(check.id)}`, "", cell(check.summary), "");
      if (check.details.length > 0) {
        const fence = "```";
        lines.push(fence, ...check.details.map((detail) => detail.replace(/```/g, "ˋˋˋ")), fence, "");
      }
    }
  }
  lines.push(
    `<sub>${cell(`${report.tool} ${report.version}, ${report.generatedAt}${report.idsMasked ? ", CustomerSpeakerIds masked" : ""}`)}</sub>`,
  );
  return `${lines.join("\n")}\n`;
}
