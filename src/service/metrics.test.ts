import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { register as globalRegistry } from "prom-client";
import type { CallOutcome } from "../api/dispatcher.js";
import { TrentMetrics, type CacheStats } from "./metrics.js";

function outcome(operation: string | undefined, errorCode: string | undefined, startedAt: number): CallOutcome {
  return {
    requestId: "r",
    operation,
    caller: undefined,
    errorCode,
    errorMessage: undefined,
    input: undefined,
    output: undefined,
    startedAt,
    sourceIp: "",
    userAgent: "",
  };
}

/** The value of one sample line `name{labels} value` of the exposition text. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

function setup(over: { keysByState?: () => Promise<Record<string, number>> } = {}) {
  let clock = 10_000;
  const cache: { hits: number; misses: number } = { hits: 0, misses: 0 };
  const state = { sealed: false, audit: true };
  const m = new TrentMetrics(
    {
      caches: { credential: (): CacheStats => cache },
      keysByState: over.keysByState ?? (async () => ({ Enabled: 3, PendingDeletion: 1 })),
      sealed: () => state.sealed,
      auditHealthy: () => state.audit,
    },
    { now: () => clock },
  );
  return { m, cache, state, advance: (ms: number) => (clock += ms), at: () => clock };
}

describe("TrentMetrics", () => {
  it("counts calls by operation and error code, with error_code=\"none\" for success and operation=\"unknown\" when none was named", async () => {
    const { m, at } = setup();
    m.observeCall(outcome("Encrypt", undefined, at()));
    m.observeCall(outcome("Encrypt", undefined, at()));
    m.observeCall(outcome("Encrypt", "DisabledException", at()));
    m.observeCall(outcome(undefined, "UnknownOperationException", at()));
    const text = await m.text();
    assert.equal(sample(text, 'trent_requests_total{operation="Encrypt",error_code="none"}'), 2);
    assert.equal(sample(text, 'trent_requests_total{operation="Encrypt",error_code="DisabledException"}'), 1);
    assert.equal(sample(text, 'trent_requests_total{operation="unknown",error_code="UnknownOperationException"}'), 1);
  });

  it("observes each call's latency, in seconds from startedAt to the service clock, by operation", async () => {
    const { m, at, advance } = setup();
    const started = at();
    advance(3);
    m.observeCall(outcome("Decrypt", undefined, started));
    advance(200);
    m.observeCall(outcome("Decrypt", undefined, started));
    const text = await m.text();
    assert.equal(sample(text, 'trent_request_duration_seconds_count{operation="Decrypt"}'), 2);
    assert.equal(sample(text, 'trent_request_duration_seconds_bucket{le="0.005",operation="Decrypt"}'), 1);
    assert.equal(sample(text, 'trent_request_duration_seconds_bucket{le="0.25",operation="Decrypt"}'), 2);
    assert.ok(Math.abs((sample(text, 'trent_request_duration_seconds_sum{operation="Decrypt"}') ?? 0) - 0.206) < 1e-9);
  });

  it("reads cache hit and miss counts at scrape time, so they move as the cache is used", async () => {
    const { m, cache } = setup();
    cache.hits = 5;
    cache.misses = 2;
    let text = await m.text();
    assert.equal(sample(text, 'trent_cache_lookups_total{cache="credential",result="hit"}'), 5);
    assert.equal(sample(text, 'trent_cache_lookups_total{cache="credential",result="miss"}'), 2);
    cache.hits = 9;
    text = await m.text();
    assert.equal(sample(text, 'trent_cache_lookups_total{cache="credential",result="hit"}'), 9);
  });

  it("reports keys by state for every key state (0 when none), sealed and audit health as gauges", async () => {
    const { m, state } = setup();
    let text = await m.text();
    assert.equal(sample(text, 'trent_keys{state="Enabled"}'), 3);
    assert.equal(sample(text, 'trent_keys{state="PendingDeletion"}'), 1);
    assert.equal(sample(text, 'trent_keys{state="Disabled"}'), 0);
    assert.equal(sample(text, "trent_sealed"), 0);
    assert.equal(sample(text, "trent_audit_healthy"), 1);
    state.sealed = true;
    state.audit = false;
    text = await m.text();
    assert.equal(sample(text, "trent_sealed"), 1);
    assert.equal(sample(text, "trent_audit_healthy"), 0);
  });

  it("a store that fails at scrape time leaves keys by state out rather than failing the scrape", async () => {
    const { m } = setup({ keysByState: () => Promise.reject(new Error("store down")) });
    const text = await m.text();
    assert.equal(sample(text, 'trent_keys{state="Enabled"}'), undefined);
    assert.ok(text.includes("trent_requests_total"));
  });

  it("store writes and audit appends are histograms with error counters", async () => {
    const { m } = setup();
    m.observeStoreWrite("createKey", 0.002, true);
    m.observeStoreWrite("createKey", 0.004, false);
    m.observeAuditAppend(0.0001, true);
    const text = await m.text();
    assert.equal(sample(text, 'trent_store_write_duration_seconds_count{method="createKey"}'), 2);
    assert.equal(sample(text, 'trent_store_write_errors_total{method="createKey"}'), 1);
    assert.equal(sample(text, "trent_audit_append_duration_seconds_count"), 1);
    assert.equal(sample(text, "trent_audit_append_errors_total"), 0);
  });

  it("includes process metrics, uses its own registry (not prom-client's global one), and serves the Prometheus text format", async () => {
    const { m } = setup();
    const text = await m.text();
    assert.match(text, /^process_cpu_seconds_total /m);
    assert.match(text, /^nodejs_heap_size_used_bytes /m);
    assert.match(text, /^# TYPE trent_requests_total counter$/m);
    assert.match(text, /^# HELP trent_keys /m);
    assert.match(m.contentType, /^text\/plain; version=0\.0\.4/);
    assert.equal(globalRegistry.getSingleMetric("trent_requests_total"), undefined);
    const second = setup().m;
    second.observeCall(outcome("Sign", undefined, 0));
    assert.equal(sample(await m.text(), 'trent_requests_total{operation="Sign",error_code="none"}'), undefined, "two services share no counter");
  });
});
