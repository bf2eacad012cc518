/**
 * `report.html`: one self-contained page per migration — inline CSS and SVG only, no script, no
 * font, no image, nothing fetched (a Content-Security-Policy of `default-src 'none'` makes the
 * browser refuse anything else, so a stray external reference shows up as a console error in the
 * test that opens the page in headless Chromium). It is rendered from report.json alone.
 */
import { mermaidToSvg } from "./flow-diagram.ts";
import type { HistogramBin, JobTiming, MigrationReport, StepRecord } from "./types.ts";

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const h = escapeHtml;

const CSS = `
:root { --ok:#15803d; --bad:#b91c1c; --warn:#b45309; --muted:#64748b; --line:#e2e8f0; --accent:#4a6fa5; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #0f172a; background: #f8fafc; }
header { background: #0f172a; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header .meta { color: #cbd5e1; font-size: 13px; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 32px 48px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
h2 { font-size: 17px; margin: 0 0 12px; }
h3 { font-size: 14px; margin: 16px 0 8px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 12px; }
.badge.ok { background: #dcfce7; color: var(--ok); } .badge.bad { background: #fee2e2; color: var(--bad); }
.badge.plan { background: #e0e7ff; color: #3730a3; } .badge.muted { background: #f1f5f9; color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: #fff; }
.card .n { font-size: 26px; font-weight: 700; } .card .l { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; color: var(--muted); }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.failure { border-color: #fecaca; background: #fef2f2; }
.muted { color: var(--muted); }
.scroll { overflow: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
pre { background: #f1f5f9; padding: 10px; border-radius: 6px; overflow: auto; font-size: 12px; }
code { font-size: 12px; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: #0f172a; }
.status-done, .status-passed, .status-planned { color: var(--ok); } .status-failed { color: var(--bad); font-weight: 600; }
.status-skipped, .status-not-reached { color: var(--muted); }
`;

const STATUS_COLORS: Record<string, string> = {
  NEW_ENROLLMENT: "#15803d",
  ENROLLMENT_OVERWRITE: "#16a34a",
  DUPLICATE_SKIPPED: "#65a30d",
  FAILED: "#b91c1c",
  EXCLUDED_IN_PLAN: "#b45309",
  PENDING: "#64748b",
  PLANNED: "#4a6fa5",
};

function duration(from?: string, to?: string): string {
  if (!from || !to) return "";
  const ms = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** Horizontal bars, one per row, labelled with the count. */
export function barChart(
  rows: { label: string; value: number; color: string; note?: string }[],
  title: string,
): string {
  if (rows.length === 0) return `<p class="muted">Nothing to show.</p>`;
  const labelWidth = 250;
  const barMax = 420;
  const rowHeight = 26;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const width = labelWidth + barMax + 60;
  const height = rows.length * rowHeight + 10;
  const bars = rows
    .map((row, i) => {
      const y = 5 + i * rowHeight;
      const w = Math.max(2, (row.value / max) * barMax);
      return `<g><title>${h(row.note ?? `${row.label}: ${row.value}`)}</title><text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end" font-size="12">${h(row.label)}</text><rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 8}" rx="3" fill="${row.color}"/><text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 16}" font-size="12" font-weight="600">${row.value}</text></g>`;
    })
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${h(title)}</title>${bars}</svg>`;
}

/** Vertical bars per bin, with the enrollment minimum as a dashed line. */
export function histogram(bins: HistogramBin[], minSeconds: number, title: string): string {
  if (bins.length === 0 || bins.every((b) => b.count === 0))
    return `<p class="muted">No net speech was measured.</p>`;
  const left = 40;
  const bottom = 36;
  const plotHeight = 180;
  const barWidth = Math.max(14, Math.min(40, Math.floor(640 / bins.length)));
  const width = left + bins.length * barWidth + 20;
  const height = plotHeight + bottom + 26;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const parts: string[] = [];
  for (let tick = 0; tick <= 4; tick++) {
    const value = Math.round((max * tick) / 4);
    const y = 20 + plotHeight - (value / max) * plotHeight;
    parts.push(
      `<line x1="${left}" y1="${y.toFixed(1)}" x2="${width - 10}" y2="${y.toFixed(1)}" stroke="#e2e8f0"/><text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="10">${value}</text>`,
    );
  }
  bins.forEach((bin, i) => {
    const x = left + i * barWidth;
    const barHeight = (bin.count / max) * plotHeight;
    const y = 20 + plotHeight - barHeight;
    const color = bin.to <= minSeconds ? "#f59e0b" : bin.from < minSeconds ? "#a3a3a3" : "#15803d";
    parts.push(
      `<g><title>${bin.from}–${bin.to} s: ${bin.count} caller(s)</title><rect x="${x + 1}" y="${y.toFixed(1)}" width="${barWidth - 2}" height="${barHeight.toFixed(1)}" fill="${color}"/>${
        bin.count > 0
          ? `<text x="${x + barWidth / 2}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="10">${bin.count}</text>`
          : ""
      }</g>`,
    );
    if (i % Math.ceil(bins.length / 12) === 0) {
      parts.push(
        `<text x="${x}" y="${20 + plotHeight + 14}" font-size="10" text-anchor="middle">${bin.from}</text>`,
      );
    }
  });
  const minX = left + (minSeconds / (bins[0]?.to ?? 5)) * barWidth;
  parts.push(
    `<line x1="${minX.toFixed(1)}" y1="6" x2="${minX.toFixed(1)}" y2="${20 + plotHeight}" stroke="#b91c1c" stroke-dasharray="4 3" stroke-width="1.5"/>`,
    `<text x="${(minX - 4).toFixed(1)}" y="18" font-size="11" fill="#b91c1c" text-anchor="end">minimum ${minSeconds} s</text>`,
    `<text x="${left + (bins.length * barWidth) / 2}" y="${height - 4}" text-anchor="middle" font-size="11">net speech per caller (seconds)</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${h(title)}</title>${parts.join("")}</svg>`;
}

interface TimelineRow {
  label: string;
  start: number;
  end: number;
  color: string;
  note: string;
}

/** A Gantt chart of the steps and batch jobs that have a start and an end. */
export function timeline(steps: StepRecord[], jobs: JobTiming[], title: string): string {
  const rows: TimelineRow[] = [];
  for (const step of steps) {
    if (!step.startedAt || !step.finishedAt) continue;
    rows.push({
      label: step.step,
      start: Date.parse(step.startedAt),
      end: Date.parse(step.finishedAt),
      color: step.status === "failed" ? "#b91c1c" : step.earlier ? "#94a3b8" : "#4a6fa5",
      note: `${step.title}: ${duration(step.startedAt, step.finishedAt)}${step.earlier ? " (an earlier invocation)" : ""}`,
    });
  }
  for (const job of jobs) {
    if (!job.startedAt || !job.endedAt) continue;
    rows.push({
      label: `${job.kind === "enrollment" ? "enroll" : "fraud"} job ${job.shard}`,
      start: Date.parse(job.startedAt),
      end: Date.parse(job.endedAt),
      color:
        job.status === "FAILED" ? "#b91c1c" : job.status === "COMPLETED_WITH_ERRORS" ? "#d97706" : "#15803d",
      note: `${job.kind} job ${job.jobId ?? ""} (shard ${job.shard}, ${job.requests} request(s)): ${job.status}, ${duration(job.startedAt, job.endedAt)}`,
    });
  }
  if (rows.length === 0) return `<p class="muted">No timed steps.</p>`;
  const t0 = Math.min(...rows.map((r) => r.start));
  const t1 = Math.max(...rows.map((r) => r.end), t0 + 1);
  const labelWidth = 150;
  const plot = 620;
  const rowHeight = 22;
  const width = labelWidth + plot + 20;
  const height = rows.length * rowHeight + 30;
  const scale = (t: number) => labelWidth + ((t - t0) / (t1 - t0)) * plot;
  const parts: string[] = [];
  for (let tick = 0; tick <= 4; tick++) {
    const x = labelWidth + (plot * tick) / 4;
    const seconds = ((t1 - t0) * tick) / 4 / 1000;
    parts.push(
      `<line x1="${x}" y1="0" x2="${x}" y2="${rows.length * rowHeight}" stroke="#e2e8f0"/><text x="${x}" y="${rows.length * rowHeight + 16}" text-anchor="middle" font-size="10">+${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = i * rowHeight;
    const x = scale(row.start);
    const w = Math.max(2, scale(row.end) - x);
    parts.push(
      `<g><title>${h(row.note)}</title><text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end" font-size="11">${h(row.label)}</text><rect x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 8}" rx="2" fill="${row.color}"/></g>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${h(title)}</title>${parts.join("")}</svg>`;
}

function card(value: string | number, label: string, tone = ""): string {
  return `<div class="card"><div class="n"${tone ? ` style="color:${tone}"` : ""}>${h(value)}</div><div class="l">${h(label)}</div></div>`;
}

function statusClass(status: string): string {
  return `status-${status.replace(/\s+/g, "-")}`;
}

export function renderReportHtml(report: MigrationReport): string {
  const plan = report.mode === "plan";
  const outcomeBadge =
    report.outcome === "succeeded"
      ? '<span class="badge ok">succeeded</span>'
      : report.outcome === "planned"
        ? '<span class="badge plan">plan: nothing written</span>'
        : '<span class="badge bad">failed</span>';
  const e = report.enrollment;
  const body: string[] = [];

  const cards: string[] = [];
  if (e) {
    if (plan) {
      cards.push(
        card(e.counts.PLANNED ?? 0, "callers to enroll"),
        card(e.excluded, "excluded by the plan", "#b45309"),
      );
    } else {
      cards.push(
        card(e.enrolled, "callers enrolled", "#15803d"),
        card(e.failed, "failed in the job", e.failed > 0 ? "#b91c1c" : ""),
        card(e.excluded, "excluded by the plan", e.excluded > 0 ? "#b45309" : ""),
      );
    }
    if (e.prepare)
      cards.push(card(e.prepare.converted, plan ? "recordings to convert" : "recordings converted"));
  }
  if (report.flows.length > 0) {
    cards.push(
      card(
        `${report.flows.filter((f) => f.published).length}/${report.flows.length}`,
        plan ? "flows to publish" : "flows published",
      ),
    );
  }
  if (report.verification) {
    cards.push(
      card(
        report.verification.passed ? "passed" : "failed",
        `verification (${report.verification.counts.passed}/${report.verification.checks.length} checks)`,
        report.verification.passed ? "#15803d" : "#b91c1c",
      ),
    );
  }
  cards.push(
    card(
      report.writes.reduce((n, w) => n + (w.count ?? 1), 0),
      plan ? "AWS writes planned" : "AWS writes made by this run",
    ),
  );
  body.push(`<section><h2>Summary</h2><div class="cards">${cards.join("")}</div></section>`);

  if (report.failure) {
    body.push(
      `<section class="failure"><h2>Stopped at ${h(report.failure.step)}</h2><p><strong>${h(report.failure.code)}</strong>: ${h(report.failure.message)}</p>${
        report.failure.hint ? `<p>hint: ${h(report.failure.hint)}</p>` : ""
      }<p class="muted">Re-run the same <code>cvk migrate</code> to resume: the steps done are skipped.</p></section>`,
    );
  }

  body.push(
    `<section><h2>Steps</h2><table><thead><tr><th>step</th><th>status</th><th>what happened</th><th>time</th></tr></thead><tbody>${report.steps
      .map(
        (s) =>
          `<tr><td>${h(s.title)}</td><td class="${statusClass(s.status)}">${h(s.status)}${s.earlier ? " (earlier)" : ""}</td><td>${h(s.summary)}</td><td class="num">${h(duration(s.startedAt, s.finishedAt))}</td></tr>`,
      )
      .join("")}</tbody></table></section>`,
  );

  if (e) {
    const countRows = Object.entries(e.counts)
      .filter(([, n]) => n > 0)
      .map(([status, n]) => ({ label: status, value: n, color: STATUS_COLORS[status] ?? "#4a6fa5" }));
    const reasons = e.byReason.map((r) => ({
      label: `${r.reason} (${r.stage === "plan" ? "plan" : "job"})`,
      value: r.count,
      color: r.stage === "plan" ? "#d97706" : "#b91c1c",
      note: `${r.reason}: ${r.count} caller(s), ${r.stage === "plan" ? "excluded by the plan" : "failed in the Voice ID job"}. ${r.explanation}`,
    }));
    const fixed = e.prepare
      ? Object.entries(e.prepare.fixedByReason)
          .map(([reason, n]) => `<li>${h(reason)}: ${n}</li>`)
          .join("")
      : "";
    body.push(
      `<section><h2>Enrollment</h2><p>${e.callers} caller(s) in the list.</p><h3>Outcome</h3>${barChart(countRows, "Callers by outcome")}` +
        `<h3>Why callers were not enrolled</h3>${barChart(reasons, "Callers not enrolled, by reason")}` +
        (e.byReason.length > 0
          ? `<table><thead><tr><th>reason</th><th>where</th><th>callers</th><th>what it means</th></tr></thead><tbody>${e.byReason
              .map(
                (r) =>
                  `<tr><td><code>${h(r.reason)}</code></td><td>${r.stage === "plan" ? "excluded by the plan" : "failed in the job"}</td><td class="num">${r.count}</td><td>${h(r.explanation)}</td></tr>`,
              )
              .join("")}</tbody></table>`
          : "") +
        (e.prepare
          ? `<h3>What prepare fixed</h3><p>${e.prepare.converted} recording(s) ${plan ? "would be" : "were"} converted to 8 kHz mono PCM-16${
              e.prepare.unfixable > 0 ? `; ${e.prepare.unfixable} could not be` : ""
            }:</p><ul>${fixed}</ul>`
          : "") +
        `<h3>Net speech per caller</h3><p class="muted">${e.speech.measured} caller(s) measured; Voice ID needs ${e.speech.minSeconds} s of net speech to enroll.</p>${histogram(e.speech.bins, e.speech.minSeconds, "Net speech per caller")}` +
        `<p class="muted">Files: plan <code>${h(e.paths.plan)}</code>${e.paths.reportCsv ? `, report <code>${h(e.paths.reportCsv)}</code>` : ""}</p></section>`,
    );
  }

  const jobs = [...(report.fraudsters?.jobs ?? []), ...(e?.jobs ?? [])];
  const legend = [
    ["#4a6fa5", "step"],
    ["#94a3b8", "step done by an earlier invocation"],
    ["#15803d", "job COMPLETED"],
    ["#d97706", "job COMPLETED_WITH_ERRORS (failed requests are in the report)"],
    ["#b91c1c", "failed"],
  ]
    .map(([color, text]) => `<span><i style="background:${color}"></i>${h(text)}</span>`)
    .join("");
  body.push(
    `<section><h2>Timeline</h2><div class="scroll">${timeline(report.steps, jobs, "Steps and batch jobs over time")}</div><p class="legend">${legend}</p></section>`,
  );

  if (report.fraudsters) {
    const f = report.fraudsters;
    body.push(
      `<section><h2>Watchlist and fraudsters</h2><p>${
        f.watchlist
          ? `Watchlist <strong>${h(f.watchlist.name)}</strong>${f.watchlist.watchlistId ? ` (${h(f.watchlist.watchlistId)})` : ""}${f.watchlist.created ? (plan ? ", to be created" : ", created") : ""}. `
          : ""
      }${f.fraudsters} fraudster voice(s): ${h(
        Object.entries(f.counts)
          .filter(([, n]) => n > 0)
          .map(([s, n]) => `${s} ${n}`)
          .join(", ") || "none",
      )}.</p></section>`,
    );
  }

  if (report.flows.length > 0) {
    const flows = report.flows
      .map((flow, i) => {
        const findings =
          flow.lint.findings.length > 0
            ? `<ul>${flow.lint.findings.map((f) => `<li><strong>${h(f.severity)}</strong> ${h(f.rule)}: ${h(f.message)}</li>`).join("")}</ul>`
            : "";
        return `<h3>${h(flow.name)}</h3><p>${h(flow.outcome)}${flow.published ? (plan ? ", to be published" : ", published") : ", not published"}${
          flow.id ? ` — id <code>${h(flow.id)}</code>` : ""
        }; lint: ${flow.lint.errors} error(s), ${flow.lint.warnings} warning(s).</p>${findings}${
          flow.writes.length > 0 ? `<ul>${flow.writes.map((w) => `<li>${h(w)}</li>`).join("")}</ul>` : ""
        }<div class="scroll">${mermaidToSvg(flow.mermaid, `Diagram of the flow ${flow.name}`, `flow${i}`)}</div><details><summary>Mermaid source</summary><pre>${h(flow.mermaid)}</pre></details><p class="muted">Rendered flow: <code>${h(flow.contentPath)}</code></p>`;
      })
      .join("");
    body.push(`<section><h2>Contact flows</h2>${flows}</section>`);
  }

  if (report.instance) {
    const i = report.instance;
    body.push(
      `<section><h2>Instance</h2><p>Instance <code>${h(i.instanceId)}</code>: Voice ID domain ${h(i.domainArn)} — ${h(i.association)}.</p>${
        i.phoneNumbers.length > 0
          ? `<table><thead><tr><th>number</th><th>flow</th><th>outcome</th></tr></thead><tbody>${i.phoneNumbers
              .map((n) => `<tr><td>${h(n.number)}</td><td>${h(n.flow)}</td><td>${h(n.outcome)}</td></tr>`)
              .join("")}</tbody></table>`
          : ""
      }</section>`,
    );
  }

  if (report.verification) {
    const v = report.verification;
    body.push(
      `<section><h2>Verification ${v.passed ? '<span class="badge ok">passed</span>' : '<span class="badge bad">failed</span>'}</h2><table><thead><tr><th>area</th><th>check</th><th>status</th><th>found</th></tr></thead><tbody>${v.checks
        .map(
          (c) =>
            `<tr><td>${h(c.group)}</td><td>${h(c.name)}</td><td class="${statusClass(c.status)}">${h(c.status)}</td><td>${h(c.message ?? "")}</td></tr>`,
        )
        .join("")}</tbody></table></section>`,
    );
  }

  body.push(
    `<section><h2>${plan ? "Writes a migration would make (none made)" : "Writes made"}</h2>${
      report.writes.length === 0
        ? `<p class="muted">None${plan ? ": everything is in place." : "."}</p>`
        : `<table><thead><tr><th>step</th><th>service</th><th>operation</th><th>count</th><th>what</th></tr></thead><tbody>${report.writes
            .map(
              (w) =>
                `<tr><td>${h(w.step)}</td><td>${h(w.service)}</td><td><code>${h(w.operation)}</code></td><td class="num">${w.count ?? 1}</td><td>${h(w.summary)}</td></tr>`,
            )
            .join("")}</tbody></table>`
    }</section>`,
  );

  const meta = [
    `environment <strong>${h(report.env)}</strong>`,
    report.region ? `Region ${h(report.region)}` : "",
    `migration ${h(report.migrationId)}`,
    `${h(report.startedAt)} → ${h(report.finishedAt)}`,
    report.invocations > 1 ? `${report.invocations} invocations (resumed)` : "",
  ]
    .filter(Boolean)
    .join(" · ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cvk ${plan ? "migration plan" : "migration"}: ${h(report.env)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>cvk ${plan ? "migration plan" : "migration"}: ${h(report.env)} ${outcomeBadge}</h1><div class="meta">${meta}</div></header>
<main>
${body.join("\n")}
<p class="muted">Written by cvk from <code>${h(report.paths.reportJson)}</code>.</p>
</main>
</body>
</html>
`;
}
