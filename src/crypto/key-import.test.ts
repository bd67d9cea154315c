import assert from "node:assert/strict";
import { constants, createCipheriv, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { sm2Encrypt } from "./asymmetric/sm2.js";
import {
  HMAC_IMPORT_LENGTH,
  KeyImportError,
  checkImportedMaterial,
  generateWrappingKeyPair,
  importedMaterialId,
  unwrapKeyMaterial,
  wrappingAlgorithmFits,
  type WrappingAlgorithm,
} from "./key-import.js";
import { SecretBytes } from "./secret-bytes.js";

const KEY_ID = "6f1c3f0e-2b7a-4c55-9a51-0d1e2f3a4b5c";
const OTHER_KEY_ID = "0b7e3c52-9c6e-4f0a-8a43-3f5e2d1c0b9a";

function oaep(spki: Buffer, hash: "sha1" | "sha256", data: Uint8Array): Buffer {
  const key = createPublicKey({ key: spki, format: "der", type: "spki" });
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data);
}

/** AWS's RSA_AES_KEY_WRAP format: RSA-OAEP(AES key) || AES-KWP(material), IV A65959A6. */
function rsaAesWrap(spki: Buffer, hash: "sha1" | "sha256", material: Uint8Array, aesKey = randomBytes(32)): Buffer {
  const c = createCipheriv(`id-aes${aesKey.length * 8}-wrap-pad`, aesKey, Buffer.from("a65959a6", "hex"));
  return Buffer.concat([oaep(spki, hash, aesKey), c.update(material), c.final()]);
}

function expectImportError(f: () => unknown, reason: KeyImportError["reason"]): void {
  assert.throws(f, (e: unknown) => e instanceof KeyImportError && e.reason === reason);
}

const rsa = await generateWrappingKeyPair("RSA_2048");
const other = await generateWrappingKeyPair("RSA_2048");

describe("unwrapKeyMaterial", () => {
  const material = randomBytes(32);

  for (const [algorithm, hash] of [["RSAES_OAEP_SHA_1", "sha1"], ["RSAES_OAEP_SHA_256", "sha256"]] as const) {
    test(`${algorithm} recovers material RSA-OAEP encrypted under the wrapping public key`, () => {
      const out = unwrapKeyMaterial(algorithm, rsa.privateKey, oaep(rsa.publicKey, hash, material));
      assert.deepEqual(out.expose(), material);
    });
  }

  for (const [algorithm, hash] of [["RSA_AES_KEY_WRAP_SHA_1", "sha1"], ["RSA_AES_KEY_WRAP_SHA_256", "sha256"]] as const) {
    test(`${algorithm} recovers material wrapped with an ephemeral AES key that is RSA-OAEP encrypted in front of it`, () => {
      const big = randomBytes(1217); // longer than any RSA-OAEP plaintext: an RSA private key's size
      assert.deepEqual(unwrapKeyMaterial(algorithm, rsa.privateKey, rsaAesWrap(rsa.publicKey, hash, big)).expose(), big);
      assert.deepEqual(unwrapKeyMaterial(algorithm, rsa.privateKey, rsaAesWrap(rsa.publicKey, hash, material, randomBytes(16))).expose(), material);
    });
  }

  test("SM2PKE recovers material encrypted under an SM2 wrapping public key", async () => {
    const sm2 = await generateWrappingKeyPair("SM2");
    const wrapped = sm2Encrypt(SecretBytes.copyOf(material), sm2.publicKey);
    assert.deepEqual(unwrapKeyMaterial("SM2PKE", sm2.privateKey, wrapped).expose(), material);
  });

  test("material wrapped for another wrapping key, with another hash, or cut short is one UNWRAP_FAILED", () => {
    const cases: [WrappingAlgorithm, Buffer][] = [
      ["RSAES_OAEP_SHA_256", oaep(other.publicKey, "sha256", material)],
      ["RSAES_OAEP_SHA_256", oaep(rsa.publicKey, "sha1", material)],
      ["RSAES_OAEP_SHA_1", oaep(rsa.publicKey, "sha256", material)],
      ["RSA_AES_KEY_WRAP_SHA_256", rsaAesWrap(other.publicKey, "sha256", material)],
      ["RSA_AES_KEY_WRAP_SHA_256", rsaAesWrap(rsa.publicKey, "sha256", material).subarray(0, 256 + 24)],
      ["RSA_AES_KEY_WRAP_SHA_256", rsaAesWrap(rsa.publicKey, "sha256", material).subarray(0, 256)],
      ["RSA_AES_KEY_WRAP_SHA_1", rsaAesWrap(rsa.publicKey, "sha256", material)],
      ["RSAES_OAEP_SHA_256", Buffer.alloc(256)],
      ["SM2PKE", Buffer.from("not an SM2 ciphertext")],
    ];
    for (const [algorithm, blob] of cases) expectImportError(() => unwrapKeyMaterial(algorithm, rsa.privateKey, blob), "UNWRAP_FAILED");
    // An AES key wrap whose integrity check fails (one flipped bit in the wrapped material).
    const tampered = rsaAesWrap(rsa.publicKey, "sha256", material);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expectImportError(() => unwrapKeyMaterial("RSA_AES_KEY_WRAP_SHA_256", rsa.privateKey, tampered), "UNWRAP_FAILED");
  });

  test("wrapping key specs and algorithms pair as AWS allows: SM2PKE only with SM2, RSA algorithms only with RSA", () => {
    assert.equal(wrappingAlgorithmFits("SM2", "SM2PKE"), true);
    assert.equal(wrappingAlgorithmFits("SM2", "RSAES_OAEP_SHA_256"), false);
    assert.equal(wrappingAlgorithmFits("RSA_4096", "SM2PKE"), false);
    assert.equal(wrappingAlgorithmFits("RSA_3072", "RSA_AES_KEY_WRAP_SHA_1"), true);
    assert.equal(createPublicKey({ key: rsa.publicKey, format: "der", type: "spki" }).asymmetricKeyDetails?.modulusLength, 2048);
  });
});

describe("checkImportedMaterial", () => {
  test("symmetric material must be exactly 256 bits", () => {
    const ok = checkImportedMaterial(KEY_ID, "SYMMETRIC_DEFAULT", SecretBytes.copyOf(Buffer.alloc(32, 7)));
    assert.equal(ok.secret.length, 32);
    assert.equal(ok.publicKey, undefined);
    for (const n of [16, 31, 33, 64]) {
      expectImportError(() => checkImportedMaterial(KEY_ID, "SYMMETRIC_DEFAULT", SecretBytes.copyOf(randomBytes(n))), "INVALID_MATERIAL");
    }
  });

  test("HMAC material may be as long as the spec's range allows, and no shorter or longer", () => {
    for (const [spec, { min, max }] of Object.entries(HMAC_IMPORT_LENGTH)) {
      for (const n of [min, max]) assert.equal(checkImportedMaterial(KEY_ID, spec, SecretBytes.copyOf(randomBytes(n))).secret.length, n);
      for (const n of [min - 1, max + 1]) {
        expectImportError(() => checkImportedMaterial(KEY_ID, spec, SecretBytes.copyOf(randomBytes(n))), "INVALID_MATERIAL");
      }
    }
  });

  test("an asymmetric private key must be PKCS#8 of the spec's algorithm, size and curve", () => {
    const rsa2048 = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "der" });
    const p256 = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "der" });
    const ed = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "der" });
    const sm2 = generateKeyPairSync("ec", { namedCurve: "SM2" }).privateKey.export({ type: "pkcs8", format: "der" });
    const k256 = generateKeyPairSync("ec", { namedCurve: "secp256k1" }).privateKey.export({ type: "pkcs8", format: "der" });
    const fits: [string, Buffer][] = [["RSA_2048", rsa2048], ["ECC_NIST_P256", p256], ["ECC_NIST_EDWARDS25519", ed], ["SM2", sm2], ["ECC_SECG_P256K1", k256]];
    for (const [spec, der] of fits) {
      const m = checkImportedMaterial(KEY_ID, spec, SecretBytes.copyOf(der));
      assert.ok(m.publicKey && m.publicKey.length > 0, `${spec} gets its public key`);
    }
    const misfits: [string, Buffer][] = [
      ["RSA_3072", rsa2048],
      ["ECC_NIST_P384", p256],
      ["ECC_SECG_P256K1", p256],
      ["ECC_NIST_P256", sm2],
      ["SM2", p256],
      ["ECC_NIST_P256", ed],
      ["RSA_2048", randomBytes(64)],
      ["ECC_NIST_P256", p256.subarray(0, p256.length - 3)],
    ];
    for (const [spec, der] of misfits) {
      expectImportError(() => checkImportedMaterial(KEY_ID, spec, SecretBytes.copyOf(der)), "INVALID_MATERIAL");
    }
  });

  test("an EC private key whose embedded public key belongs to another key is refused", () => {
    const a = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const b = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const der = Buffer.from(a.privateKey.export({ type: "pkcs8", format: "der" }));
    const otherPoint = b.publicKey.export({ type: "spki", format: "der" }).subarray(-65);
    otherPoint.copy(der, der.length - 65); // the ECPrivateKey's publicKey [1] is the last 65 bytes
    expectImportError(() => checkImportedMaterial(KEY_ID, "ECC_NIST_P256", SecretBytes.copyOf(der)), "INVALID_MATERIAL");
  });

  test("an ML-DSA seed-form private key is accepted and its public key recomputed", async () => {
    const { generateKeyPair } = await import("./asymmetric/index.js");
    const pair = await generateKeyPair("ML_DSA_44");
    const m = checkImportedMaterial(KEY_ID, "ML_DSA_44", SecretBytes.copyOf(pair.privateKey.expose()));
    assert.deepEqual(m.publicKey, pair.publicKey);
  });
});

describe("imported key material ids", () => {
  test("the same material in the same key always has the same 64-hex id; another key or material gets another", () => {
    const raw = randomBytes(32);
    const a = checkImportedMaterial(KEY_ID, "SYMMETRIC_DEFAULT", SecretBytes.copyOf(raw)).materialId;
    const b = checkImportedMaterial(KEY_ID, "SYMMETRIC_DEFAULT", SecretBytes.copyOf(raw)).materialId;
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.equal(a, b);
    assert.notEqual(checkImportedMaterial(OTHER_KEY_ID, "SYMMETRIC_DEFAULT", SecretBytes.copyOf(raw)).materialId, a);
    assert.notEqual(checkImportedMaterial(KEY_ID, "SYMMETRIC_DEFAULT", SecretBytes.copyOf(randomBytes(32))).materialId, a);
    assert.equal(importedMaterialId(KEY_ID, raw), a);
  });

  test("a key pair's id follows its public key, so any PKCS#8 encoding of the same key gets the same id", () => {
    const pair = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const der = pair.privateKey.export({ type: "pkcs8", format: "der" });
    const m = checkImportedMaterial(KEY_ID, "ECC_NIST_P256", SecretBytes.copyOf(der));
    assert.equal(m.materialId, importedMaterialId(KEY_ID, pair.publicKey.export({ type: "spki", format: "der" })));
  });
});
