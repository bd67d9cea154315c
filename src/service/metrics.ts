import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CallOutcome } from "../api/dispatcher.js";
import { KEY_STATES } from "../domain/key-state-table.js";

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
}

/** What the metrics read at scrape time (nothing of this is on the request path). */
export interface MetricSources {
  /** Hit and miss counts of each cache, by cache name. */
  readonly caches: Readonly<Record<string, () => CacheStats>>;
  readonly keysByState: () => Promise<Record<string, number>>;
  readonly sealed: () => boolean;
  readonly auditHealthy: () => boolean;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const IO_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The service's Prometheus metrics, in a registry of their own (never prom-client's global one, so
 * that several services in one process, as in tests, do not share counters).
 *
 * On the request path: `observeCall` (one counter increment, one histogram observation), and the
 * store-write and audit-append observers. Everything else is read when /metrics is scraped.
 */
export class TrentMetrics {
  readonly registry = new Registry();
  readonly #now: () => number;
  readonly #requests: Counter<"operation" | "error_code">;
  readonly #latency: Histogram<"operation">;
  readonly #storeWrites: Histogram<"method">;
  readonly #storeWriteErrors: Counter<"method">;
  readonly #auditAppend: Histogram;
  readonly #auditAppendErrors: Counter;

  constructor(sources: MetricSources, opts: { now: () => number; processMetrics?: boolean }) {
    this.#now = opts.now;
    const registers = [this.registry];
    this.#requests = new Counter({
      name: "trent_requests_total",
      help: "KMS API calls answered, by operation and error code (error_code=\"none\" for success).",
      labelNames: ["operation", "error_code"],
      registers,
    });
    this.#latency = new Histogram({
      name: "trent_request_duration_seconds",
      help: "Time from receiving a KMS API call to answering it, by operation (millisecond clock).",
      labelNames: ["operation"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#storeWrites = new Histogram({
      name: "trent_store_write_duration_seconds",
      help: "Duration of store write transactions (durable when they resolve), by store method.",
      labelNames: ["method"],
      buckets: IO_BUCKETS,
      registers,
    });
    this.#storeWriteErrors = new Counter({
      name: "trent_store_write_errors_total",
      help: "Store write transactions that failed, by store method.",
      labelNames: ["method"],
      registers,
    });
    this.#auditAppend = new Histogram({
      name: "trent_audit_append_duration_seconds",
      help: "Time an audit record append takes to resolve (in durable mode: until it is on disk).",
      buckets: IO_BUCKETS,
      registers,
    });
    this.#auditAppendErrors = new Counter({
      name: "trent_audit_append_errors_total",
      help: "Audit record appends that failed.",
      registers,
    });
    const caches = Object.entries(sources.caches);
    new Counter({
      name: "trent_cache_lookups_total",
      help: "Cache lookups by cache (credential: access keys; material: unwrapped key material; store: keys, aliases, grants and other records) and result (hit or miss).",
      labelNames: ["cache", "result"],
      registers,
      collect() {
        this.reset();
        for (const [cache, stats] of caches) {
          const s = stats();
          this.inc({ cache, result: "hit" }, s.hits);
          this.inc({ cache, result: "miss" }, s.misses);
        }
      },
    });
    new Gauge({
      name: "trent_keys",
      help: "KMS keys in the store (every account and region) by key state.",
      labelNames: ["state"],
      registers,
      async collect() {
        this.reset();
        let counts: Record<string, number>;
        try {
          counts = await sources.keysByState();
        } catch {
          return; // the store did not answer: no sample rather than a wrong one (see /readyz)
        }
        for (const state of new Set([...KEY_STATES, ...Object.keys(counts)])) this.set({ state }, counts[state] ?? 0);
      },
    });
    new Gauge({
      name: "trent_sealed",
      help: "1 while the root of trust is sealed (no key can be used), else 0.",
      registers,
      collect() {
        this.set(sources.sealed() ? 1 : 0);
      },
    });
    new Gauge({
      name: "trent_audit_healthy",
      help: "1 while the audit log can be written, else 0.",
      registers,
      collect() {
        this.set(sources.auditHealthy() ? 1 : 0);
      },
    });
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The dispatcher's onOutcome: one counter increment and one histogram observation. */
  observeCall(o: CallOutcome): void {
    const operation = o.operation ?? "unknown";
    this.#requests.inc({ operation, error_code: o.errorCode ?? "none" });
    this.#latency.observe({ operation }, Math.max(0, this.#now() - o.startedAt) / 1000);
  }

  observeStoreWrite(method: string, seconds: number, ok: boolean): void {
    this.#storeWrites.observe({ method }, seconds);
    if (!ok) this.#storeWriteErrors.inc({ method });
  }

  observeAuditAppend(seconds: number, ok: boolean): void {
    this.#auditAppend.observe(seconds);
    if (!ok) this.#auditAppendErrors.inc();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
