import { CvkError, seededRandom } from "@cvk/core";
/**
 * Seeded, deterministic fault injection: the same seed and the same sequence of requests give the
 * same faults, so a failing resilience run can be replayed.
 */
export interface FaultRule {
  /** Probability (0–1) of answering with the service's throttling error. */
  throttle?: number;
  /** Probability of a 500/503 server error. */
  serverError?: number;
  /** Probability of dropping the connection without a response (server mode; in-process: a network error). */
  connectionReset?: number;
  /** Added latency in milliseconds, with this probability (`latencyRate`, default 1 when latency is set). */
  latencyMs?: number;
  latencyRate?: number;
}

export interface FaultConfig {
  seed?: number;
  /** Applies to every operation without its own rule. */
  global?: FaultRule;
  /** Per operation, keyed `voiceid:DescribeSpeaker`, `s3:PutObject`, `connect:CreateContactFlow`. */
  operations?: Record<string, FaultRule>;
  /**
   * Jobs that end FAILED with FailureDetails (StatusCode 500): job ids, "next" (the next job
   * started), or "next-enrollment" / "next-registration" (the next of that kind).
   */
  failJobs?: string[];
}

const PROBABILITIES = ["throttle", "serverError", "connectionReset", "latencyRate"] as const;

/**
 * Checks a fault configuration read from a file (`cvk sandbox serve --faults`): a misspelt key or a
 * probability written as text would otherwise inject nothing, silently.
 */
export function parseFaultConfig(value: unknown, source = "the fault configuration"): FaultConfig {
  const problems: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  const checkRule = (rule: unknown, where: string) => {
    if (!isObject(rule)) return problems.push(`${where} must be an object`);
    for (const [key, item] of Object.entries(rule)) {
      if ((PROBABILITIES as readonly string[]).includes(key)) {
        if (typeof item !== "number" || !(item >= 0 && item <= 1))
          problems.push(`${where}.${key} must be a probability from 0 to 1 (got ${JSON.stringify(item)})`);
      } else if (key === "latencyMs") {
        if (typeof item !== "number" || !(item >= 0 && item <= 600_000))
          problems.push(
            `${where}.latencyMs must be milliseconds from 0 to 600000 (got ${JSON.stringify(item)})`,
          );
      } else problems.push(`${where} has an unknown key "${key}"`);
    }
    return 0;
  };
  if (!isObject(value)) problems.push("it must be a JSON object");
  else {
    for (const [key, item] of Object.entries(value)) {
      if (key === "seed") {
        if (typeof item !== "number" || !Number.isFinite(item)) problems.push("seed must be a number");
      } else if (key === "global") checkRule(item, "global");
      else if (key === "operations") {
        if (!isObject(item)) problems.push("operations must be an object keyed service:Operation");
        else
          for (const [operation, rule] of Object.entries(item)) checkRule(rule, `operations["${operation}"]`);
      } else if (key === "failJobs") {
        if (!Array.isArray(item) || !item.every((job) => typeof job === "string"))
          problems.push(
            'failJobs must be a list of job ids, "next", "next-enrollment" or "next-registration"',
          );
      } else problems.push(`unknown key "${key}"`);
    }
  }
  if (problems.length > 0) {
    throw new CvkError(
      "INPUT_INVALID",
      `${source}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`,
      {
        hint: 'Write JSON such as {"seed": 7, "global": {"throttle": 0.2, "serverError": 0.05}, "operations": {"s3:PutObject": {"connectionReset": 0.1}}, "failJobs": ["next"]}.',
        details: { problems },
      },
    );
  }
  return value as FaultConfig;
}

export type Fault =
  | { kind: "throttle" }
  | { kind: "serverError"; status: 500 | 503 }
  | { kind: "connectionReset" }
  | { kind: "latency"; ms: number };

export class FaultInjector {
  #config: FaultConfig = {};
  #random: () => number = seededRandom(1);
  /** Faults injected so far, by kind (for resilience reports). */
  readonly injected = { throttle: 0, serverError: 0, connectionReset: 0, latency: 0 };

  constructor(config: FaultConfig = {}) {
    this.configure(config);
  }

  configure(config: FaultConfig): void {
    this.#config = structuredClone(config);
    this.#random = seededRandom(config.seed ?? 1);
  }

  get config(): FaultConfig {
    return this.#config;
  }

  clear(): void {
    this.configure({});
  }

  /** Faults for one request, in the order they apply (latency first, then at most one failure). */
  decide(key: string): Fault[] {
    const rule = this.#config.operations?.[key] ?? this.#config.global;
    if (!rule) return [];
    const faults: Fault[] = [];
    if (rule.latencyMs && this.#random() < (rule.latencyRate ?? 1)) {
      faults.push({ kind: "latency", ms: rule.latencyMs });
      this.injected.latency++;
    }
    const roll = this.#random();
    let edge = rule.throttle ?? 0;
    if (roll < edge) {
      this.injected.throttle++;
      return [...faults, { kind: "throttle" }];
    }
    edge += rule.serverError ?? 0;
    if (roll < edge) {
      this.injected.serverError++;
      return [...faults, { kind: "serverError", status: this.#random() < 0.5 ? 500 : 503 }];
    }
    edge += rule.connectionReset ?? 0;
    if (roll < edge) {
      this.injected.connectionReset++;
      return [...faults, { kind: "connectionReset" }];
    }
    return faults;
  }

  /**
   * True (once) when a newly started job should fail: listed by id, as "next-enrollment" /
   * "next-registration" (the next job of that kind), or as "next" (the next job of any kind).
   */
  takeJobFailure(jobId: string, kind: "enrollment" | "registration"): boolean {
    const list = this.#config.failJobs;
    if (!list) return false;
    const index = [jobId, `next-${kind}`, "next"].map((entry) => list.indexOf(entry)).find((i) => i >= 0);
    if (index === undefined) return false;
    list.splice(index, 1);
    return true;
  }
}
