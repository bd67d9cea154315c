import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keyRecordFixture } from "../domain/key-record-fixture.js";
import { InjectedWriteFailure, MemoryStore } from "./memory-store.js";
import { isWriteMethod, timedStore } from "./timed-store.js";

const KEY = keyRecordFixture({ keyId: "00000000-0000-4000-8000-000000000001", accountId: "111111111111", createdAt: 1 });

describe("timedStore", () => {
  it("classifies store methods as writes by name", () => {
    for (const m of ["createKey", "updateKey", "deleteKey", "putAccount", "replaceWrapped", "resetKeys", "addKeyUsage", "startKeyUsageTracking"]) {
      assert.ok(isWriteMethod(m), m);
    }
    for (const m of ["getKey", "listKeys", "countKeys", "countKeysByState", "dueKeys", "keyUsageTrackingStart", "getKeyUsage", "close", "deleted"]) {
      assert.ok(!isWriteMethod(m), m);
    }
  });

  it("times each write once it settles, says whether it failed, and passes results and errors through", async () => {
    const seen: [string, number, boolean][] = [];
    const backend = new MemoryStore();
    const s = timedStore(backend, (m, sec, ok) => seen.push([m, sec, ok]));
    await s.createKey(KEY, []);
    assert.equal((await s.getKey(KEY.keyId))?.keyId, KEY.keyId);
    assert.deepEqual(await s.countKeysByState(), { Enabled: 1 });
    backend.failWrites(1);
    await assert.rejects(s.deleteKey(KEY.keyId), InjectedWriteFailure);
    assert.deepEqual(
      seen.map(([m, , ok]) => [m, ok]),
      [
        ["createKey", true],
        ["deleteKey", false],
      ],
      "reads are not timed",
    );
    for (const [, sec] of seen) assert.ok(sec >= 0 && sec < 5);
  });

  it("keeps the backend's own members (test hooks, kind) and its class for instanceof", async () => {
    const backend = new MemoryStore();
    const s = timedStore(backend, () => {});
    assert.ok(s instanceof MemoryStore);
    assert.equal(s.kind, "memory");
    s.failWrites(1);
    await assert.rejects(s.putAccount({ accountId: "111111111111", createdAt: 1 }), InjectedWriteFailure);
    await s.putAccount({ accountId: "111111111111", createdAt: 1 });
    assert.ok(await backend.getAccount("111111111111"));
  });

  it("an observer that throws does not fail the write", async () => {
    const s = timedStore(new MemoryStore(), () => {
      throw new Error("observer bug");
    });
    await s.putAccount({ accountId: "111111111111", createdAt: 1 });
    assert.ok(await s.getAccount("111111111111"));
  });
});
