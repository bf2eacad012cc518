/** One request as the sandbox saw it: what tests and resilience runs assert on (e.g. "no writes"). */
export interface LoggedRequest {
  seq: number;
  at: number;
  service: "voiceid" | "s3" | "connect" | "unknown";
  operation: string;
  status: number;
  /** The error name returned, if any (`ThrottlingException`, `NoSuchKey`, …). */
  error?: string;
  /** True for operations that change state. */
  write: boolean;
  /** A fault injected into this request. */
  fault?: string;
  /** Latency injected before it was answered (a fault's latency spike), in milliseconds. */
  delayedMs?: number;
  /**
   * The id of the resource a successful creating write created or returned (a Voice ID Start…Job's
   * JobId, a CreateDomain's DomainId, a Connect CreateContactFlow's ContactFlowId): an idempotent
   * replay names the same id, so counting distinct ids counts what was really created.
   */
  resource?: string;
}

const READ_PREFIXES = ["Describe", "List", "Get", "Head", "Evaluate"];

/** Whether an operation changes state, judged by its name as AWS names them. */
export function isWriteOperation(operation: string): boolean {
  return !READ_PREFIXES.some((prefix) => operation.startsWith(prefix));
}

export class RequestLog {
  readonly #entries: LoggedRequest[] = [];
  readonly #limit: number;
  readonly #listeners = new Set<(entry: LoggedRequest) => void>();

  constructor(limit = 1_000_000) {
    this.#limit = limit;
  }

  record(entry: Omit<LoggedRequest, "seq" | "write">): void {
    const seq = this.#entries.length === 0 ? 1 : (this.#entries.at(-1)?.seq ?? 0) + 1;
    const logged: LoggedRequest = { ...entry, seq, write: isWriteOperation(entry.operation) };
    this.#entries.push(logged);
    if (this.#entries.length > this.#limit) this.#entries.splice(0, this.#entries.length - this.#limit);
    for (const listener of this.#listeners) listener(logged);
  }

  /** Calls `listener` with every request recorded from now on (`cvk sandbox serve --request-log`). */
  subscribe(listener: (entry: LoggedRequest) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  entries(filter: Partial<Pick<LoggedRequest, "service" | "operation" | "write">> = {}): LoggedRequest[] {
    return this.#entries.filter(
      (entry) =>
        (filter.service === undefined || entry.service === filter.service) &&
        (filter.operation === undefined || entry.operation === filter.operation) &&
        (filter.write === undefined || entry.write === filter.write),
    );
  }

  count(operation: string): number {
    return this.#entries.reduce(
      (n, entry) => n + (entry.operation === operation && entry.status < 300 ? 1 : 0),
      0,
    );
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
