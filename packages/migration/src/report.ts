import { readFile } from "node:fs/promises";
import { CvkError, writeFileAtomic } from "@cvk/core";
import { renderReportHtml } from "./report-html.ts";
import type { MigrationReport } from "./types.ts";

/** Writes report.json, then report.html rendered from it; each whole or not at all. */
export async function writeMigrationReport(report: MigrationReport): Promise<void> {
  await writeFileAtomic(report.paths.reportJson, `${JSON.stringify(report, null, 2)}\n`);
  await writeFileAtomic(report.paths.reportHtml, renderReportHtml(report));
}

/** Reads a migration's report.json (e.g. to render its HTML again). */
export async function readMigrationReport(path: string): Promise<MigrationReport> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CvkError("INPUT_NOT_FOUND", `Cannot read ${path}: ${(error as Error).message}`, {
      hint: "Pass the report.json a migration wrote (by default .cvk/migrations/<env>/report.json).",
      cause: error,
    });
  }
  try {
    const report = JSON.parse(text) as MigrationReport;
    if (report.version !== 1 || !Array.isArray(report.steps))
      throw new Error("not a version 1 migration report");
    return report;
  } catch (error) {
    throw new CvkError("INPUT_INVALID", `${path} is not a migration report: ${(error as Error).message}`, {
      hint: "Pass the report.json a migration wrote (by default .cvk/migrations/<env>/report.json).",
      cause: error,
    });
  }
}
