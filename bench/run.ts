// Runs every benchmark under bench/ (or those named on the command line), each in its own process
// so one benchmark's heap and threads cannot skew the next. Results accumulate in
// bench/results/<date>.json (a full run starts the day's file afresh, so every figure in it comes
// from that run); at the end bench/results/<date>.md holds every figure of the day in one Markdown
// table — the one the README shows — and the totals are printed.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Figure, markdownTable } from "./lib.ts";

const only = process.argv.slice(2);
const files = readdirSync(import.meta.dirname)
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => only.length === 0 || only.some((wanted) => name.startsWith(wanted)))
  .sort();
const date = new Date().toISOString().slice(0, 10);
const results = join(import.meta.dirname, "results", `${date}.json`);
if (only.length === 0) rmSync(results, { force: true });
let failed = 0;
for (const file of files) {
  console.log(`\n# ${file}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, file)], {
    stdio: "inherit",
  });
  if (result.status !== 0) {
    failed++;
    console.error(`${file} failed with exit code ${result.status}`);
  }
}

if (existsSync(results)) {
  const { machine, benchmarks } = JSON.parse(readFileSync(results, "utf8")) as {
    machine: { cpu: string; cores: number; memoryGiB: number; node: string };
    benchmarks: Record<string, { at: string; figures: Figure[] }>;
  };
  const figures = Object.values(benchmarks).flatMap((benchmark) => benchmark.figures);
  const markdown = `Benchmarks of ${date}: ${machine.cores}-core ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}.\n\n${markdownTable(figures)}\n`;
  const path = results.replace(/\.json$/, ".md");
  writeFileSync(`${path}.tmp`, markdown);
  renameSync(`${path}.tmp`, path);
  console.log(`\n${markdown}\n(written to bench/results/${date}.md)`);
}
console.log(`\n${files.length - failed} benchmark(s) passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
