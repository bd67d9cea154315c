import { createHash, randomBytes, randomUUID } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KeyRecord } from "../src/domain/key-record.js";
import { SoftwareKeystore } from "../src/keystore/software-keystore.js";
import { KeyMaterials } from "../src/ops/support/key-materials.js";
import { defaultKeyPolicy } from "../src/policy/default-key-policy.js";
import { SqliteStore } from "../src/store/sqlite-store.js";

export interface SeedResult {
  readonly keyIds: string[];
  readonly ms: number;
}

/**
 * Writes `count` symmetric keys into a data directory before Trent starts, through the same
 * SqliteStore, SoftwareKeystore and KeyMaterials the server uses, with the record create-key.ts
 * builds for a CreateKey with no parameters (default policy, Enabled, one CREATE material).
 * Much faster than CreateKey over HTTP. Bounded by `timeoutMs`.
 */
export async function seedKeys(
  dataDir: string,
  count: number,
  accountId: string,
  region: string,
  timeoutMs: number,
  onProgress?: (done: number) => void,
): Promise<SeedResult> {
  const t0 = performance.now();
  const keystore = SoftwareKeystore.open(dataDir);
  const store = new SqliteStore(join(dataDir, "trent.db"));
  const materials = new KeyMaterials(store, keystore, 1);
  const policy = defaultKeyPolicy(accountId);
  const keyIds: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      if (performance.now() - t0 > timeoutMs) throw new Error(`seeding stopped after ${i} of ${count} keys (${timeoutMs} ms)`);
      const now = Date.now();
      const keyId = randomUUID();
      const material = await materials.generateSymmetric(keyId, "CREATE", now, randomBytes);
      const key: KeyRecord = {
        keyId,
        accountId,
        region,
        createdAt: now,
        description: "",
        keyUsage: "ENCRYPT_DECRYPT",
        keySpec: "SYMMETRIC_DEFAULT",
        origin: "AWS_KMS",
        keyState: "Enabled",
        policy,
        tags: [],
        rotation: { enabled: false, periodDays: 365, onDemandCount: 0 },
        currentMaterialId: material.materialId,
        revision: 0,
      };
      await store.createKey(key, [material]);
      keyIds.push(keyId);
      if (onProgress !== undefined && (i + 1) % 20_000 === 0) onProgress(i + 1);
    }
  } finally {
    await store.close();
    await keystore.close();
  }
  return { keyIds, ms: performance.now() - t0 };
}

/** Compiled files whose change could change what a seeded data directory holds. */
const SHAPE_FILES = [
  "bench/seed-keys.js",
  "src/store/sqlite-store.js",
  "src/store/sqlite-migrations.js",
  "src/keystore/software-keystore.js",
  "src/ops/support/key-materials.js",
  "src/policy/default-key-policy.js",
  "src/domain/key-record.js",
  "src/crypto/secret-bytes.js",
];

interface SeedMarker {
  readonly count: number;
  readonly accountId: string;
  readonly region: string;
  readonly ms: number;
  readonly keyIds: string[];
}

export interface CachedSeedResult extends SeedResult {
  /** True when the keys came from an earlier run's cache (`ms` is then the original seeding time). */
  readonly reused: boolean;
}

/**
 * Seeds `count` keys into `dataDir`, reusing a copy seeded by an earlier run when the code that
 * shapes the data (SHAPE_FILES under `distRoot`) has not changed. The cache lives in
 * `cacheRoot/trent-bench-seed-<count>-<fingerprint>`; caches of other fingerprints are removed.
 */
export async function seedKeysCached(
  distRoot: string,
  cacheRoot: string,
  dataDir: string,
  count: number,
  accountId: string,
  region: string,
  timeoutMs: number,
  fresh: boolean,
  onProgress?: (done: number) => void,
): Promise<CachedSeedResult> {
  const h = createHash("sha256").update(`${count}/${accountId}/${region}`);
  for (const f of SHAPE_FILES) h.update(readFileSync(join(distRoot, f)));
  const name = `trent-bench-seed-${count}-${h.digest("hex").slice(0, 16)}`;
  const cacheDir = join(cacheRoot, name);
  for (const old of readdirSync(cacheRoot).filter((n) => n.startsWith(`trent-bench-seed-${count}-`) && n !== name)) {
    rmSync(join(cacheRoot, old), { recursive: true, force: true });
  }
  const markerPath = join(cacheDir, "seed.json");
  let marker: SeedMarker | undefined;
  if (!fresh && existsSync(markerPath)) {
    try {
      marker = JSON.parse(readFileSync(markerPath, "utf8")) as SeedMarker;
    } catch {
      marker = undefined;
    }
  }
  const reused = marker !== undefined && marker.keyIds.length === count;
  if (!reused) {
    rmSync(cacheDir, { recursive: true, force: true });
    const seeded = await seedKeys(join(cacheDir, "data"), count, accountId, region, timeoutMs, onProgress);
    marker = { count, accountId, region, ms: seeded.ms, keyIds: seeded.keyIds };
    writeFileSync(markerPath, JSON.stringify(marker));
  }
  if (marker === undefined) throw new Error("seed cache marker missing");
  cpSync(join(cacheDir, "data"), dataDir, { recursive: true });
  return { keyIds: marker.keyIds, ms: marker.ms, reused };
}
