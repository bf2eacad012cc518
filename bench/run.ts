// Runs every benchmark under bench/ (or those named on the command line), each in its own process
// so one benchmark's heap and threads cannot skew the next. Results accumulate in
// bench/results/<date>.json; each benchmark prints its Markdown table.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const only = process.argv.slice(2);
const files = readdirSync(import.meta.dirname)
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => only.length === 0 || only.some((wanted) => name.startsWith(wanted)))
  .sort();
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
console.log(`\n${files.length - failed} benchmark(s) passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
