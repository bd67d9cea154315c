import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStore } from "../store/memory-store.js";
import type { Store } from "../store/store.js";
import { readiness } from "./readiness.js";

const ok = { sealed: () => false, auditHealthy: () => true, stopping: () => false };

describe("readiness", () => {
  it("is ready when the store answers, the root is unsealed, the audit log is healthy and the service runs", async () => {
    assert.deepEqual(await readiness({ store: new MemoryStore(), ...ok }), {
      ready: true,
      checks: { store: true, unsealed: true, audit: true, running: true },
    });
  });

  it("each failing condition alone makes it not ready, and says which", async () => {
    const store = new MemoryStore();
    assert.deepEqual((await readiness({ store, ...ok, sealed: () => true })).checks.unsealed, false);
    assert.equal((await readiness({ store, ...ok, sealed: () => true })).ready, false);
    assert.equal((await readiness({ store, ...ok, auditHealthy: () => false })).ready, false);
    assert.equal((await readiness({ store, ...ok, stopping: () => true })).ready, false);
  });

  it("a store that fails or does not answer in time is not ready", async () => {
    const failing = { getKey: () => Promise.reject(new Error("down")) } as unknown as Store;
    assert.equal((await readiness({ store: failing, ...ok })).checks.store, false);
    const hanging = { getKey: () => new Promise(() => {}) } as unknown as Store;
    const started = Date.now();
    const r = await readiness({ store: hanging, ...ok, storeTimeoutMs: 50 });
    assert.equal(r.ready, false);
    assert.equal(r.checks.store, false);
    assert.ok(Date.now() - started < 1000);
  });
});
