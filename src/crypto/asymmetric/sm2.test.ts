import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import { createECDH, createHash } from "node:crypto";
import { SecretBytes } from "../secret-bytes.js";
import { AsymmetricCryptoError } from "./errors.js";
import { deriveSharedSecret } from "./ecdh.js";
import { asymmetricDecrypt, asymmetricEncrypt } from "./encryption.js";
import { generateKeyPair, type KeyPair } from "./key-generation.js";
import { ecPrivateScalar, ecPublicPoint } from "./key-material.js";
import { publicKeyFromPrivate } from "./public-key.js";
import { sign } from "./sign.js";
import { SM2PKE_MAX_PLAINTEXT, sm2Digest, sm2PublicPointOf, sm2Za } from "./sm2.js";
import { verify } from "./verify.js";
import { TempDir, openssl, writeKeyPair } from "./test-support/openssl.js";

const MESSAGE = Buffer.from("SM2 message for the interop test", "utf8");
const DISTID = ["-sigopt", "distid:1234567812345678"];

let dir: TempDir;
let pair: KeyPair;
let paths: { pub: string; priv: string };

before(async () => {
  dir = await TempDir.create();
  pair = await generateKeyPair("SM2");
  paths = await writeKeyPair(dir, "sm2", { publicKey: pair.publicKey, privateKey: pair.privateKey.expose() });
  await dir.write("msg.bin", MESSAGE);
});

after(async () => {
  pair.privateKey.dispose();
  await dir.remove();
});

describe("SM2 keys", () => {
  test("the generated key is an SM2 key to OpenSSL, and its public key is d·G on the SM2 curve parameters written here", async () => {
    const r = await openssl(["pkey", "-in", paths.priv, "-text", "-noout"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /ASN1 OID: SM2/);
    assert.deepEqual(sm2PublicPointOf(pair.privateKey), ecPublicPoint("SM2", pair.publicKey));
    assert.deepEqual(publicKeyFromPrivate("SM2", pair.privateKey), pair.publicKey);
  });

  test("Z_A hashes ENTL || ID || a || b || G || P with SM3, with the default ID 1234567812345678", () => {
    const p = ecPublicPoint("SM2", pair.publicKey);
    const h = (s: string): Buffer => Buffer.from(s, "hex");
    const want = createHash("sm3")
      .update(Buffer.concat([
        Buffer.of(0x00, 0x80),
        Buffer.from("1234567812345678"),
        h("fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc"),
        h("28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93"),
        h("32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"),
        h("bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0"),
        p.subarray(1),
      ]))
      .digest();
    assert.deepEqual(sm2Za(pair.publicKey), want);
  });
});

describe("SM2DSA", () => {
  test("openssl dgst -sm3 -sigopt distid:1234567812345678 -verify accepts Trent's RAW signature (and fails without the ID)", async () => {
    const sigPath = await dir.write("raw.sig", sign("SM2", "SM2DSA", "RAW", MESSAGE, pair.privateKey));
    const ok = await openssl(["dgst", "-sm3", "-verify", paths.pub, ...DISTID, "-signature", sigPath, dir.file("msg.bin")]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout.toString(), /Verified OK/);
    const noId = await openssl(["dgst", "-sm3", "-verify", paths.pub, "-signature", sigPath, dir.file("msg.bin")]);
    assert.notEqual(noId.code, 0);
  });

  test("a signature of the DIGEST SM3(Z_A || M) verifies in openssl over the message", async () => {
    const digest = sm2Digest(pair.publicKey, MESSAGE);
    const sigPath = await dir.write("digest.sig", sign("SM2", "SM2DSA", "DIGEST", digest, pair.privateKey));
    const r = await openssl(["dgst", "-sm3", "-verify", paths.pub, ...DISTID, "-signature", sigPath, dir.file("msg.bin")]);
    assert.equal(r.code, 0, r.stderr);
  });

  test("Trent verifies openssl's SM2 signature as RAW and as DIGEST; tampering fails", async () => {
    const r = await openssl(["dgst", "-sm3", "-sign", paths.priv, ...DISTID, "-out", dir.file("openssl.sig"), dir.file("msg.bin")]);
    assert.equal(r.code, 0, r.stderr);
    const sig = await dir.read("openssl.sig");
    assert.equal(verify("SM2", "SM2DSA", "RAW", MESSAGE, sig, pair.publicKey), true);
    assert.equal(verify("SM2", "SM2DSA", "DIGEST", sm2Digest(pair.publicKey, MESSAGE), sig, pair.publicKey), true);
    assert.equal(verify("SM2", "SM2DSA", "RAW", Buffer.from("other"), sig, pair.publicKey), false);
    const bad = Buffer.from(sig);
    bad[bad.length - 2] = (bad[bad.length - 2] ?? 0) ^ 1;
    assert.equal(verify("SM2", "SM2DSA", "RAW", MESSAGE, bad, pair.publicKey), false);
    assert.equal(verify("SM2", "SM2DSA", "RAW", MESSAGE, Buffer.from("3006020100020100", "hex"), pair.publicKey), false);
    assert.equal(verify("SM2", "SM2DSA", "RAW", MESSAGE, Buffer.alloc(3), pair.publicKey), false);
  });

  test("a DIGEST that is not 32 bytes is refused; ECDSA is refused for an SM2 key", () => {
    assert.throws(
      () => sign("SM2", "SM2DSA", "DIGEST", Buffer.alloc(64), pair.privateKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.message === "Digest is invalid length for algorithm SM2DSA.",
    );
    assert.throws(
      () => sign("SM2", "ECDSA_SHA_256", "RAW", MESSAGE, pair.privateKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "ALGORITHM_INCOMPATIBLE",
    );
  });
});

describe("SM2PKE", () => {
  test("openssl pkeyutl -decrypt recovers what Trent encrypted (GM/T 0009 ASN.1 ciphertext)", async () => {
    const pt = Buffer.from("SM2PKE plaintext from Trent");
    const ctPath = await dir.write("trent.ct", asymmetricEncrypt("SM2", "SM2PKE", SecretBytes.copyOf(pt), pair.publicKey));
    const r = await openssl(["pkeyutl", "-decrypt", "-inkey", paths.priv, "-in", ctPath, "-out", dir.file("trent.pt")]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await dir.read("trent.pt"), pt);
  });

  test("Trent decrypts what openssl pkeyutl -encrypt made, up to AWS's 1024-byte limit", async () => {
    for (const n of [1, 100, SM2PKE_MAX_PLAINTEXT]) {
      const pt = Buffer.alloc(n, n & 0xff);
      const ptPath = await dir.write(`o${n}.pt`, pt);
      const r = await openssl(["pkeyutl", "-encrypt", "-pubin", "-inkey", paths.pub, "-in", ptPath, "-out", dir.file(`o${n}.ct`)]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(asymmetricDecrypt("SM2", "SM2PKE", await dir.read(`o${n}.ct`), pair.privateKey).expose(), pt);
    }
  });

  test("a plaintext over 1024 bytes is refused; a tampered ciphertext fails as DECRYPTION_FAILED", () => {
    assert.throws(
      () => asymmetricEncrypt("SM2", "SM2PKE", SecretBytes.copyOf(Buffer.alloc(1025)), pair.publicKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "PLAINTEXT_TOO_LONG",
    );
    const ct = asymmetricEncrypt("SM2", "SM2PKE", SecretBytes.copyOf(Buffer.from("abc")), pair.publicKey);
    for (const i of [ct.length - 1, ct.length - 10, 10]) {
      const bad = Buffer.from(ct);
      bad[i] = (bad[i] ?? 0) ^ 1;
      assert.throws(
        () => asymmetricDecrypt("SM2", "SM2PKE", bad, pair.privateKey),
        (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "DECRYPTION_FAILED",
      );
    }
    assert.throws(
      () => asymmetricDecrypt("SM2", "SM2PKE", Buffer.from("junk"), pair.privateKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "DECRYPTION_FAILED",
    );
  });
});

describe("SM2 ECDH", () => {
  test("the shared secret is the x-coordinate of d·Q, equal to node's ECDH on the SM2 curve", async () => {
    const peer = await generateKeyPair("SM2");
    const ours = deriveSharedSecret("SM2", "ECDH", pair.privateKey, peer.publicKey);
    assert.equal(ours.length, 32);
    const ecdh = createECDH("SM2");
    const d = ecPrivateScalar("SM2", peer.privateKey.expose());
    ecdh.setPrivateKey(d);
    d.fill(0);
    assert.equal(ours.expose().equals(ecdh.computeSecret(ecPublicPoint("SM2", pair.publicKey))), true);
    assert.equal(deriveSharedSecret("SM2", "ECDH", peer.privateKey, pair.publicKey).equals(ours), true);
  });

  test("a NIST P-256 peer key is refused for an SM2 key", async () => {
    const p256 = await generateKeyPair("ECC_NIST_P256");
    assert.throws(
      () => deriveSharedSecret("SM2", "ECDH", pair.privateKey, p256.publicKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "PEER_KEY_CURVE_MISMATCH",
    );
  });
});
