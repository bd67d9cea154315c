import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { GrantRecord } from "../domain/grant-record.js";
import { keyRecordFixture } from "../domain/key-record-fixture.js";
import type { AliasRecord, KeyMaterialRecord, KeyRecord } from "../domain/key-record.js";
import { CachedStore } from "./cached-store.js";
import { MemoryStore } from "./memory-store.js";
import { SqliteStore } from "./sqlite-store.js";
import { runStoreContract } from "./store-contract.js";
import { RevisionConflict, type Store } from "./store.js";

// The decorator must keep every promise of the Store contract, over any backend.

runStoreContract("cached (over memory)", async () => {
  const inner = new MemoryStore();
  return {
    store: new CachedStore(inner, { ttlMs: 1000 }),
    injectFailures: (n) => inner.failWrites(n),
    cleanup: () => inner.close(),
  };
});

runStoreContract("cached (over sqlite)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "trent-cached-contract-"));
  const path = join(dir, "trent.db");
  let inner = new SqliteStore(path);
  return {
    store: new CachedStore(inner, { ttlMs: 1000 }),
    injectFailures: (n) => inner.failWrites(n),
    reopen: async () => {
      await inner.close();
      inner = new SqliteStore(path);
      return new CachedStore(inner, { ttlMs: 1000 });
    },
    cleanup: async () => {
      await inner.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

// ---------------------------------------------------------------------------------------------

const KEY = "00000000-0000-4000-8000-000000000001";
const MATERIAL = "a".repeat(64);
const ACCOUNT = "111111111111";
const REGION = "us-east-1";
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;

function key(over: Partial<KeyRecord> = {}): KeyRecord {
  return keyRecordFixture({
    keyId: KEY,
    accountId: ACCOUNT,
    region: REGION,
    createdAt: 1_700_000_000_000,
    policy: '{"Version":"2012-10-17","Statement":[]}',
    currentMaterialId: MATERIAL,
    ...over,
  });
}

function material(materialId = MATERIAL): KeyMaterialRecord {
  return { keyId: KEY, materialId, createdAt: 1, origin: "CREATE", wrapped: { rootVersion: "v1", blob: Buffer.from("wrapped") } };
}

function alias(targetKeyId: string): AliasRecord {
  return { accountId: ACCOUNT, region: REGION, aliasName: "alias/app", targetKeyId, createdAt: 1, updatedAt: 1 };
}

function grant(grantId: string): GrantRecord {
  return {
    grantId,
    keyId: KEY,
    keyAccountId: ACCOUNT,
    region: REGION,
    granteePrincipal: ALICE,
    operations: ["Encrypt"],
    issuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
    createdAt: 1,
  };
}

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** Counts the backend reads of a store (by wrapping the methods the cache serves). */
function counting(store: Store): { store: Store; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(store, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      const fn = v as (...a: unknown[]) => unknown;
      if (typeof prop === "string" && /^(getKey|getKeyMaterial|getAlias|getAccessKey|getPrincipal|listGrantsForGrantee)$/.test(prop)) {
        return (...a: unknown[]) => {
          reads++;
          return fn.apply(target, a);
        };
      }
      return fn.bind(target);
    },
  });
  return { store: counted, reads: () => reads };
}

describe("cached store", () => {
  it("serves repeated reads from memory, and this node's own writes are seen at once", async () => {
    const inner = new MemoryStore();
    const c = counting(inner);
    const s = new CachedStore(c.store, { ttlMs: 60_000 });
    await s.createKey(key(), [material()]);
    await s.createAlias(alias(KEY));
    for (let i = 0; i < 5; i++) {
      assert.equal((await s.getKey(KEY))?.keyState, "Enabled");
      assert.ok(await s.getKeyMaterial(KEY, MATERIAL));
      assert.equal((await s.getAlias(ACCOUNT, REGION, "alias/app"))?.targetKeyId, KEY);
      assert.deepEqual(await s.listGrantsForGrantee(KEY, ALICE), []);
    }
    assert.equal(c.reads(), 3 + 5, "one backend read per key, alias and grant list (materials are cached unwrapped by KeyMaterials)");
    await s.updateKey({ key: key({ keyState: "Disabled" }), expectedRevision: 1 });
    assert.equal((await s.getKey(KEY))?.keyState, "Disabled", "a disable through this node is seen by the next request");
    await s.createGrant(grant("g1".padEnd(64, "0")));
    assert.equal((await s.listGrantsForGrantee(KEY, ALICE)).length, 1, "a new grant is seen at once");
    await s.deleteGrant(KEY, "g1".padEnd(64, "0"));
    assert.deepEqual(await s.listGrantsForGrantee(KEY, ALICE), [], "a revoked grant stops applying at once");
    await s.deleteKey(KEY);
    assert.equal(await s.getKey(KEY), undefined);
    assert.equal(await s.getAlias(ACCOUNT, REGION, "alias/app"), undefined, "the key's aliases go with it");
    assert.equal(await s.getKeyMaterial(KEY, MATERIAL), undefined);
  });

  it("a change made by another node is seen within the TTL (two caches over one backend, no change probe)", async () => {
    const shared = new MemoryStore();
    const clock = manualClock();
    const a = new CachedStore(shared, { ttlMs: 1000, now: clock.now });
    const b = new CachedStore(shared, { ttlMs: 1000, now: clock.now });
    await a.createKey(key(), [material()]);
    assert.equal((await b.getKey(KEY))?.keyState, "Enabled");
    await a.updateKey({ key: key({ keyState: "Disabled" }), expectedRevision: 1 });
    assert.equal((await a.getKey(KEY))?.keyState, "Disabled");
    // Within the TTL node B may still answer from its copy (it does here: nothing told it).
    clock.advance(999);
    assert.equal((await b.getKey(KEY))?.keyState, "Enabled");
    clock.advance(1);
    assert.equal((await b.getKey(KEY))?.keyState, "Disabled", "after the TTL node B reads the backend again");
  });

  describe("two nodes on one SQLite file", () => {
    let dir = "";
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "trent-cached-sqlite-"));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("node B sees node A's disable, policy change and key deletion within the TTL", async () => {
      const path = join(dir, "two-nodes.db");
      const clock = manualClock();
      const a = new CachedStore(new SqliteStore(path), { ttlMs: 1000, now: clock.now });
      const b = new CachedStore(new SqliteStore(path), { ttlMs: 1000, now: clock.now });
      try {
        await a.createKey(key(), [material()]);
        assert.equal((await b.getKey(KEY))?.keyState, "Enabled");
        const changes: [string, (rev: number) => Promise<unknown>, (k: KeyRecord | undefined) => boolean][] = [
          ["disable", (rev) => a.updateKey({ key: key({ keyState: "Disabled" }), expectedRevision: rev }), (k) => k?.keyState === "Disabled"],
          ["policy", (rev) => a.updateKey({ key: key({ keyState: "Disabled", policy: "{}" }), expectedRevision: rev }), (k) => k?.policy === "{}"],
          ["delete", () => a.deleteKey(KEY), (k) => k === undefined],
        ];
        let rev = 1;
        for (const [what, change, seen] of changes) {
          await b.getKey(KEY); // B holds a copy
          await change(rev++);
          // Not necessarily seen at once (B may answer from memory) ...
          await b.getKey(KEY);
          // ... but within the TTL.
          clock.advance(1000);
          assert.ok(seen(await b.getKey(KEY)), `node B sees the ${what} within the TTL`);
        }
      } finally {
        await a.close();
        await b.close();
      }
    });

    it("with SQLite's change probe, B keeps its entries past the TTL while no one else writes", async () => {
      const path = join(dir, "probe.db");
      const clock = manualClock();
      const inner = new SqliteStore(path);
      const c = counting(inner);
      const b = new CachedStore(c.store, { ttlMs: 1000, now: clock.now });
      try {
        await b.createKey(key(), [material()]);
        await b.getKey(KEY);
        for (let i = 0; i < 10; i++) {
          clock.advance(1000);
          assert.equal((await b.getKey(KEY))?.keyState, "Enabled");
        }
        assert.equal(c.reads(), 1, "the probe said nothing changed: no re-read");
      } finally {
        await b.close();
      }
    });
  });

  it("a read that overlapped a write does not leave the old value in the cache", async () => {
    const inner = new MemoryStore();
    await inner.createKey(key(), [material()]);
    let release: (() => void) | undefined;
    const slow = new Proxy(inner, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (prop === "getKey") {
          return async (id: string) => {
            const before = await target.getKey(id); // read now ...
            await new Promise<void>((r) => (release = r)); // ... and answer after the write below
            return before;
          };
        }
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const s = new CachedStore(slow, { ttlMs: 60_000 });
    const pending = s.getKey(KEY);
    await new Promise((r) => setImmediate(r));
    await s.updateKey({ key: key({ keyState: "Disabled" }), expectedRevision: 1 });
    release?.();
    assert.equal((await pending)?.keyState, "Enabled", "the overlapping read answers what it read");
    const next = s.getKey(KEY);
    await new Promise((r) => setImmediate(r));
    release?.();
    assert.equal((await next)?.keyState, "Disabled", "the next read is not served the stale copy");
  });

  it("a compare-and-swap that lost to another node drops the stale copy, so a retry reads the new revision", async () => {
    const shared = new MemoryStore();
    const a = new CachedStore(shared, { ttlMs: 60_000 });
    const b = new CachedStore(shared, { ttlMs: 60_000 });
    await a.createKey(key(), [material()]);
    const stale = await b.getKey(KEY);
    await a.updateKey({ key: key({ description: "by A" }), expectedRevision: 1 });
    assert.equal(stale?.revision, 1);
    await assert.rejects(b.updateKey({ key: key({ description: "by B" }), expectedRevision: 1 }), RevisionConflict);
    const fresh = await b.getKey(KEY);
    assert.equal(fresh?.revision, 2);
    assert.equal(fresh?.description, "by A");
  });

  it("'not found' is remembered only briefly", async () => {
    const shared = new MemoryStore();
    const clock = manualClock();
    const a = new CachedStore(shared, { ttlMs: 10_000, negativeTtlMs: 100, now: clock.now });
    const b = new CachedStore(shared, { ttlMs: 10_000, negativeTtlMs: 100, now: clock.now });
    assert.equal(await b.getKey(KEY), undefined);
    await a.createKey(key(), [material()]);
    clock.advance(100);
    assert.equal((await b.getKey(KEY))?.keyId, KEY, "a key created on another node is found after negativeTtlMs, not the TTL");
  });

  it("holds at most maxEntries records of a kind", async () => {
    const inner = new MemoryStore();
    const c = counting(inner);
    const s = new CachedStore(c.store, { ttlMs: 60_000, maxEntries: 2 });
    const ids = [1, 2, 3].map((n) => `00000000-0000-4000-8000-00000000000${n}`);
    for (const id of ids) await inner.createKey(key({ keyId: id }), []);
    for (const id of ids) await s.getKey(id);
    assert.equal(c.reads(), 3);
    await s.getKey(ids[2] ?? "");
    await s.getKey(ids[1] ?? "");
    assert.equal(c.reads(), 3, "the two newest are cached");
    await s.getKey(ids[0] ?? "");
    assert.equal(c.reads(), 4, "the oldest was evicted");
  });

  it("a TTL of 0 caches nothing", async () => {
    const inner = new MemoryStore();
    const c = counting(inner);
    const s = new CachedStore(c.store, { ttlMs: 0 });
    await inner.createKey(key(), []);
    await s.getKey(KEY);
    await s.getKey(KEY);
    assert.equal(c.reads(), 2);
  });
});
