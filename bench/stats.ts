/** Latencies (ms) collected up to a fixed cap; percentiles by sorting once. */
export class LatencyRecorder {
  readonly #values: Float64Array;
  #n = 0;

  constructor(capacity: number) {
    this.#values = new Float64Array(capacity);
  }

  record(ms: number): void {
    if (this.#n < this.#values.length) this.#values[this.#n++] = ms;
  }

  reset(): void {
    this.#n = 0;
  }

  get count(): number {
    return this.#n;
  }

  /** p in [0, 100] -> latency in ms (nearest rank); NaN when empty. */
  percentiles(ps: readonly number[]): number[] {
    if (this.#n === 0) return ps.map(() => NaN);
    const sorted = this.#values.slice(0, this.#n).sort();
    return ps.map((p) => sorted[Math.min(this.#n - 1, Math.max(0, Math.ceil((p / 100) * this.#n) - 1))] ?? NaN);
  }
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}
