/**
 * Time as a dependency. Library code that waits (pacing, polling, job progression) takes a Clock so
 * tests step time instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A clock that only moves when told to. Sleepers wake in deadline order as `advance` passes them. */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: { until: number; wake: () => void }[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((wake) => {
      this.#sleepers.push({ until: this.#now + ms, wake });
      this.#sleepers.sort((a, b) => a.until - b.until);
    });
  }

  /** Number of callers currently asleep. */
  get pending(): number {
    return this.#sleepers.length;
  }

  /** Moves time forward, waking each sleeper whose deadline is passed and letting its continuation run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#sleepers[0];
      if (!next || next.until > target) break;
      this.#sleepers.shift();
      this.#now = next.until;
      next.wake();
      // Let the woken continuation run (and possibly sleep again) before waking the next one.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.#now = target;
  }

  /** Advances straight to the next sleeper's deadline; false when nobody sleeps. */
  async advanceToNext(): Promise<boolean> {
    const next = this.#sleepers[0];
    if (!next) return false;
    await this.advance(next.until - this.#now);
    return true;
  }
}
