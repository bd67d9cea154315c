import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { keyRecordFixture } from "../../domain/key-record-fixture.js";
import { materialBinding, type KeyRecord } from "../../domain/key-record.js";
import { SoftwareKeystore } from "../../keystore/software-keystore.js";
import { MemoryStore } from "../../store/memory-store.js";
import { KeyMaterials } from "./key-materials.js";

const KEY_ID = "0b7e3c52-9c6e-4f0a-8a43-3f5e2d1c0b9a";

function record(spec: string, materialId: string): KeyRecord {
  return keyRecordFixture({
    keyId: KEY_ID,
    keyUsage: spec.startsWith("HMAC_") ? "GENERATE_VERIFY_MAC" : "SIGN_VERIFY",
    keySpec: spec,
    currentMaterialId: materialId,
  });
}

describe("KeyMaterials.generate", () => {
  test("an asymmetric key's private key is stored only wrapped; the public key is recorded in clear and matches it", async () => {
    const keystore = SoftwareKeystore.ephemeral();
    const store = new MemoryStore();
    const materials = new KeyMaterials(store, keystore);
    const m = await materials.generate(KEY_ID, "ECC_NIST_P256", "CREATE", 0, randomBytes);
    assert.ok(m.publicKey, "the SPKI is recorded");
    assert.equal(m.materialId.length, 64);

    const pkcs8 = await keystore.unwrap(m.wrapped, materialBinding(KEY_ID, m.materialId));
    try {
      const priv = createPrivateKey({ key: pkcs8.expose(), format: "der", type: "pkcs8" });
      assert.equal(priv.asymmetricKeyDetails?.namedCurve, "prime256v1");
      assert.deepEqual(createPublicKey(priv).export({ type: "spki", format: "der" }), m.publicKey);
      // The private scalar d does not appear in what is stored.
      const d = Buffer.from(priv.export({ format: "jwk" }).d ?? "", "base64url");
      assert.equal(d.length, 32);
      assert.equal(m.wrapped.blob.includes(d), false);
      assert.equal(m.publicKey.includes(d), false);
    } finally {
      pkcs8.dispose();
    }

    await store.createKey(record("ECC_NIST_P256", m.materialId), [m]);
    assert.deepEqual(await materials.publicKey(record("ECC_NIST_P256", m.materialId)), m.publicKey);
  });

  test("an HMAC key is as long as its spec says and is stored only wrapped, with no public key", async () => {
    const keystore = SoftwareKeystore.ephemeral();
    const materials = new KeyMaterials(new MemoryStore(), keystore);
    for (const [spec, length] of [["HMAC_224", 28], ["HMAC_256", 32], ["HMAC_384", 48], ["HMAC_512", 64]] as const) {
      const m = await materials.generate(KEY_ID, spec, "CREATE", 0, randomBytes);
      assert.equal(m.publicKey, undefined);
      const secret = await keystore.unwrap(m.wrapped, materialBinding(KEY_ID, m.materialId));
      assert.equal(secret.length, length, spec);
      assert.equal(m.wrapped.blob.includes(secret.expose()), false);
      secret.dispose();
    }
  });

  test("a wrapped private key cannot be unwrapped for another key or material", async () => {
    const keystore = SoftwareKeystore.ephemeral();
    const m = await new KeyMaterials(new MemoryStore(), keystore).generate(KEY_ID, "ECC_NIST_EDWARDS25519", "CREATE", 0, randomBytes);
    await assert.rejects(keystore.unwrap(m.wrapped, materialBinding(KEY_ID, "00".repeat(32))));
  });

  test("an ML-KEM key's private key is its 64-byte seed in PKCS#8, stored only wrapped; the public key is its SPKI", async () => {
    const keystore = SoftwareKeystore.ephemeral();
    const m = await new KeyMaterials(new MemoryStore(), keystore).generate(KEY_ID, "ML_KEM_768", "CREATE", 0, randomBytes);
    const pkcs8 = (await keystore.unwrap(m.wrapped, materialBinding(KEY_ID, m.materialId))).expose();
    assert.equal(pkcs8.length, 86, "PKCS#8 seed form: the same length for every ML-KEM spec");
    const seed = pkcs8.subarray(-64);
    assert.ok(!m.wrapped.blob.includes(seed), "the seed is not stored in clear");
    assert.deepEqual(Buffer.from(m.publicKey ?? []).subarray(-1184), Buffer.from(ml_kem768.keygen(seed).publicKey));
  });

  test("a key spec Trent cannot create is UnsupportedOperationException", async () => {
    const materials = new KeyMaterials(new MemoryStore(), SoftwareKeystore.ephemeral());
    await assert.rejects(materials.generate(KEY_ID, "AES_256", "CREATE", 0, randomBytes), { name: "UnsupportedOperationException" });
  });
});

describe("KeyMaterials cache", () => {
  async function setup(maxCached: number, keys: number) {
    const store = new MemoryStore();
    const keystore = SoftwareKeystore.ephemeral();
    const materials = new KeyMaterials(store, keystore, maxCached);
    const records: KeyRecord[] = [];
    for (let i = 0; i < keys; i++) {
      const keyId = `0b7e3c52-9c6e-4f0a-8a43-${String(i).padStart(12, "0")}`;
      const m = await materials.generateSymmetric(keyId, "CREATE", 0, randomBytes);
      const rec = keyRecordFixture({ keyId, currentMaterialId: m.materialId });
      await store.createKey(rec, [m]);
      records.push(rec);
    }
    return { store, keystore, materials, records };
  }

  test("a cached material is the unwrapped backing key, and a second use is a hit", async () => {
    const { store, keystore, materials, records } = await setup(10, 1);
    const rec = records[0] as KeyRecord;
    const first = await materials.current(rec);
    const stored = await store.getKeyMaterial(rec.keyId, first.materialId);
    assert.ok(stored !== undefined);
    const direct = await keystore.unwrap(stored.wrapped, materialBinding(rec.keyId, first.materialId));
    assert.deepEqual(first.secret.expose(), direct.expose());
    const again = await materials.current(rec);
    assert.equal(again.secret, first.secret);
    assert.deepEqual(materials.stats(), { hits: 1, misses: 1 });
  });

  test("beyond the bound the oldest key is evicted and zeroed on the next turn; its next use unwraps it again, intact", async () => {
    const { materials, records } = await setup(2, 3);
    const [a, b, c] = records as [KeyRecord, KeyRecord, KeyRecord];
    const ma = await materials.current(a);
    const bytesA = Buffer.from(ma.secret.expose());
    const viewA = ma.secret.expose();
    await materials.current(b);
    await materials.current(c); // evicts a
    assert.deepEqual(ma.secret.expose(), bytesA, "an evicted secret stays usable until the event loop turns");
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.ok(ma.secret.disposed, "the evicted secret is disposed");
    assert.ok(viewA.every((x) => x === 0), "the evicted secret's bytes are zeroed");
    const again = await materials.current(a); // evicts b, unwraps a afresh
    assert.deepEqual(again.secret.expose(), bytesA);
    assert.deepEqual(materials.stats(), { hits: 0, misses: 4 });
    const mb = await materials.current(b);
    const mc = await materials.current(c);
    assert.notDeepEqual(mb.secret.expose(), mc.secret.expose());
  });

  test("a rotated key keeps every material it was asked for, each under its own id", async () => {
    const { store, materials, records } = await setup(10, 1);
    const rec = records[0] as KeyRecord;
    const first = await materials.current(rec);
    const firstBytes = Buffer.from(first.secret.expose());
    const m2 = await materials.generateSymmetric(rec.keyId, "ROTATION_ON_DEMAND", 1, randomBytes);
    const stored = await store.getKey(rec.keyId);
    assert.ok(stored !== undefined);
    const rotated = await store.updateKey({ key: { ...stored, currentMaterialId: m2.materialId }, expectedRevision: stored.revision, addMaterials: [m2] });
    const second = await materials.current(rotated);
    assert.equal(second.materialId, m2.materialId);
    assert.notDeepEqual(second.secret.expose(), firstBytes);
    assert.deepEqual((await materials.get(rec.keyId, first.materialId))?.expose(), firstBytes);
    materials.forget(rec.keyId);
    assert.ok(first.secret.disposed && second.secret.disposed, "forget zeroes every material of the key");
  });
});
