import { seededRandom } from "@cvk/core";
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
  /** Job ids (or "next") that end FAILED with FailureDetails. */
  failJobs?: string[];
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

  /** True (once) when a newly started job should fail: listed by id, or "next". */
  takeJobFailure(jobId: string): boolean {
    const list = this.#config.failJobs;
    if (!list) return false;
    const index = list.indexOf(jobId) >= 0 ? list.indexOf(jobId) : list.indexOf("next");
    if (index < 0) return false;
    list.splice(index, 1);
    return true;
  }
}
