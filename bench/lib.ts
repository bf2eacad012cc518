// Shared helpers for benchmarks: repeated runs with median and spread, the machine description, and
// the results file. Benchmarks measure; tests never do (no wall-clock assertions in tests).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

export interface Figure {
  name: string;
  unit: string;
  /** Median of the runs. */
  value: number;
  /** (max − min) / median over the runs. */
  spread?: number;
  runs?: number;
  peer?: { name: string; value: number };
  /** cvk / peer for throughputs, peer / cvk for times: > 1 means cvk is better. */
  ratio?: number;
  /** A physical or quota bound, where one applies. */
  limit?: { name: string; value: number };
  goal?: string;
  note?: string;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function spread(values: number[]): number {
  const m = median(values);
  return m === 0 ? 0 : (Math.max(...values) - Math.min(...values)) / m;
}

/** Runs `fn` `runs` times (after one warm-up unless `warmup` is false) and returns the seconds of each. */
export async function timeRuns(runs: number, fn: () => Promise<void>, warmup = true): Promise<number[]> {
  if (warmup) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return times;
}

export function which(command: string): string | undefined {
  const result = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" });
  const path = result.stdout.trim();
  return result.status === 0 && path ? path : undefined;
}

export function machine(): Record<string, unknown> {
  const cpu = cpus();
  let kernel = "";
  try {
    kernel = execFileSync("uname", ["-sr"], { encoding: "utf8" }).trim();
  } catch {}
  return {
    cpu: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel,
  };
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function markdownTable(figures: Figure[]): string {
  const rows = figures.map((f) => {
    const value = `${fmt(f.value)} ${f.unit}${f.spread === undefined ? "" : ` (±${Math.round((f.spread * 100) / 2)}%)`}`;
    const peer = f.peer ? `${f.peer.name}: ${fmt(f.peer.value)} ${f.unit}` : "—";
    const ratio = f.ratio === undefined ? "—" : `${fmt(f.ratio)}×`;
    const limit = f.limit ? `${f.limit.name}: ${fmt(f.limit.value)}` : "—";
    return `| ${f.name} | ${value} | ${peer} | ${ratio} | ${limit} | ${f.goal ?? "—"} |`;
  });
  return [
    "| figure | cvk (median, ±half-spread) | peer, same run | ratio | limit | goal |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** Merges this benchmark's figures into bench/results/<date>.json and prints its table. */
export function report(benchmark: string, figures: Figure[], extra: Record<string, unknown> = {}): void {
  const dir = join(import.meta.dirname, "results");
  mkdirSync(dir, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  const path = join(dir, `${date}.json`);
  let existing: { machine?: unknown; benchmarks?: Record<string, unknown> } = {};
  try {
    existing = JSON.parse(readFileSync(path, "utf8"));
  } catch {}
  const benchmarks = {
    ...(existing.benchmarks ?? {}),
    [benchmark]: { at: new Date().toISOString(), figures, ...extra },
  };
  // Whole or not at all: a benchmark killed mid-write must not cost the figures of the others.
  writeFileSync(`${path}.tmp`, `${JSON.stringify({ machine: machine(), benchmarks }, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  console.log(`\n## ${benchmark}\n\n${markdownTable(figures)}\n\n(written to bench/results/${date}.json)`);
}
