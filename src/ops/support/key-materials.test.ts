import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
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

  test("a key spec Trent cannot create is UnsupportedOperationException", async () => {
    const materials = new KeyMaterials(new MemoryStore(), SoftwareKeystore.ephemeral());
    await assert.rejects(materials.generate(KEY_ID, "ML_KEM_768", "CREATE", 0, randomBytes), { name: "UnsupportedOperationException" });
  });
});
