import { strict as assert } from "node:assert";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { keyRecordFixture } from "../domain/key-record-fixture.js";
import type { KeyRecord } from "../domain/key-record.js";
import { SoftwareKeystore } from "../keystore/software-keystore.js";
import type { Keystore } from "../keystore/keystore.js";
import { KeyMaterials } from "../ops/support/key-materials.js";
import { CachedStore } from "../store/cached-store.js";
import { MemoryStore } from "../store/memory-store.js";
import { SqliteStore } from "../store/sqlite-store.js";
import type { Store } from "../store/store.js";
import { CacheWarmer } from "./cache-warmer.js";

const ACCOUNT = "111122223333";
const REGION = "us-east-1";

async function seed(store: Store, keystore: Keystore, n: number, over: Partial<KeyRecord> = {}): Promise<KeyRecord[]> {
  const writer = new KeyMaterials(store, keystore);
  const keys: KeyRecord[] = [];
  for (let i = 0; i < n; i++) {
    const keyId = randomUUID();
    const m = await writer.generateSymmetric(keyId, "CREATE", 0, randomBytes);
    const key = keyRecordFixture({ keyId, accountId: ACCOUNT, region: REGION, currentMaterialId: m.materialId, ...over });
    await store.createKey(key, [m]);
    keys.push(key);
  }
  return keys;
}

/** Counts getKey and getKeyMaterial calls that reach the backend. */
function counting(store: Store): { store: Store; reads: { getKey: number; getKeyMaterial: number } } {
  const reads = { getKey: 0, getKeyMaterial: 0 };
  const counted = new Proxy(store, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      const fn = (v as (...a: unknown[]) => unknown).bind(target);
      if (prop === "getKey" || prop === "getKeyMaterial") {
        return (...a: unknown[]) => {
          reads[prop]++;
          return fn(...a);
        };
      }
      return fn;
    },
  });
  return { store: counted, reads };
}

describe("cache warmer", () => {
  test("after a partition's first call its keys and their materials are served from memory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trent-warm-"));
    const keystore = SoftwareKeystore.ephemeral();
    const sqlite = new SqliteStore(join(dir, "trent.db"));
    try {
      const keys = await seed(sqlite, keystore, 25);
      const c = counting(sqlite);
      const cached = new CachedStore(c.store, { ttlMs: 1000 });
      const materials = new KeyMaterials(cached, keystore);
      const warmer = new CacheWarmer({ store: cached, materials, keystore, pageSize: 10 });
      warmer.seen(ACCOUNT, REGION);
      warmer.seen(ACCOUNT, REGION);
      await warmer.idle();
      assert.equal(warmer.keysRead, 25);
      const readsAfterWarming = { ...c.reads };
      for (const k of keys) {
        const key = await cached.getKey(k.keyId);
        assert.ok(key !== undefined);
        const m = await materials.current(key);
        assert.equal(m.materialId, k.currentMaterialId);
      }
      assert.deepEqual(c.reads, readsAfterWarming, "no backend reads for warmed keys");
      assert.equal(materials.stats().misses, 0);
    } finally {
      await sqlite.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("does not unwrap materials of keys that cannot be used, and stops at the bound", async () => {
    const keystore = SoftwareKeystore.ephemeral();
    const store = new MemoryStore();
    const disabled = await seed(store, keystore, 3, { keyState: "Disabled" });
    await seed(store, keystore, 5);
    const materials = new KeyMaterials(store, keystore, 4);
    const warmer = new CacheWarmer({ store: new CachedStore(store, { ttlMs: 1000 }), materials, keystore, pageSize: 2 });
    warmer.seen(ACCOUNT, REGION);
    await warmer.idle();
    assert.equal(materials.stats().misses, 0, "warming is not counted as cache misses");
    // In listing order: the first four enabled keys fit in the cache, the fifth did not.
    const enabled = (await store.listKeys(ACCOUNT, REGION, undefined, 100)).items.filter((k) => k.keyState === "Enabled");
    for (const k of enabled) await materials.current(k);
    assert.deepEqual(materials.stats(), { hits: 4, misses: 1 });
    const d = disabled[0];
    assert.ok(d?.currentMaterialId !== undefined);
    await materials.get(d.keyId, d.currentMaterialId);
    assert.equal(materials.stats().misses, 2, "a disabled key's material was not unwrapped ahead");
  });

  test("a sealed keystore stops warming before any unwrap, and stop() ends it", async () => {
    const real = SoftwareKeystore.ephemeral();
    const store = new MemoryStore();
    await seed(store, real, 3);
    let unwraps = 0;
    const sealed: Keystore = {
      status: () => ({ ...real.status(), sealed: true }),
      wrap: (m, b) => real.wrap(m, b),
      unwrap: (w, b) => {
        unwraps++;
        return real.unwrap(w, b);
      },
      rotateRoot: () => real.rotateRoot(),
      rootVersions: () => real.rootVersions(),
      retireRootVersion: (v) => real.retireRootVersion(v),
      close: () => real.close(),
    };
    const reasons: string[] = [];
    const warmer = new CacheWarmer({
      store: new CachedStore(store, { ttlMs: 1000 }),
      materials: new KeyMaterials(store, sealed),
      keystore: sealed,
      onStop: (r) => reasons.push(r),
    });
    warmer.seen(ACCOUNT, REGION);
    await warmer.idle();
    assert.equal(unwraps, 0);
    assert.deepEqual(reasons, ["the keystore is sealed"]);
    await warmer.stop();
    warmer.seen("444455556666", REGION);
    await warmer.idle();
    assert.equal(warmer.keysRead, 0);
  });
});
