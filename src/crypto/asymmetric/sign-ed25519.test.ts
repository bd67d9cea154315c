import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import { createHash } from "node:crypto";
import { ed25519, ed25519ph } from "@noble/curves/ed25519.js";
import { SecretBytes } from "../secret-bytes.js";
import { generateKeyPair, type KeyPair } from "./key-generation.js";
import { publicKeyFromPrivate } from "./public-key.js";
import { sign } from "./sign.js";
import { verify } from "./verify.js";
import { AsymmetricCryptoError } from "./errors.js";
import { TempDir, openssl, writeKeyPair } from "./test-support/openssl.js";

const SPEC = "ECC_NIST_EDWARDS25519";
const MESSAGE = Buffer.from("Ed25519 interop message", "utf8");

// RFC 8032 §7.3, the Ed25519ph test vector ("abc").
const RFC8032_PH = {
  secret: "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
  public: "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
  message: "616263",
  signature:
    "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41" +
    "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406",
};

/** RFC 8410 PKCS#8 and SPKI around raw Ed25519 keys. */
const pkcs8 = (seedHex: string): Buffer => Buffer.from(`302e020100300506032b657004220420${seedHex}`, "hex");
const spki = (pubHex: string): Buffer => Buffer.from(`302a300506032b6570032100${pubHex}`, "hex");

let dir: TempDir;
let pair: KeyPair;
let paths: { pub: string; priv: string };

before(async () => {
  dir = await TempDir.create();
  pair = await generateKeyPair(SPEC);
  paths = await writeKeyPair(dir, "ed", { publicKey: pair.publicKey, privateKey: pair.privateKey.expose() });
  await dir.write("msg.bin", MESSAGE);
});

after(async () => {
  pair.privateKey.dispose();
  await dir.remove();
});

describe("ED25519_SHA_512 (RAW)", () => {
  test("openssl pkeyutl -verify -rawin accepts Trent's Ed25519 signature", async () => {
    const sig = sign(SPEC, "ED25519_SHA_512", "RAW", MESSAGE, pair.privateKey);
    assert.equal(sig.length, 64);
    const sigPath = await dir.write("raw.sig", sig);
    const r = await openssl(["pkeyutl", "-verify", "-pubin", "-inkey", paths.pub, "-rawin", "-in", dir.file("msg.bin"), "-sigfile", sigPath]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /Signature Verified Successfully/);
  });

  test("Trent verifies a signature made by openssl pkeyutl -sign -rawin", async () => {
    const r = await openssl(["pkeyutl", "-sign", "-inkey", paths.priv, "-rawin", "-in", dir.file("msg.bin"), "-out", dir.file("openssl.sig")]);
    assert.equal(r.code, 0, r.stderr);
    const sig = await dir.read("openssl.sig");
    assert.equal(verify(SPEC, "ED25519_SHA_512", "RAW", MESSAGE, sig, pair.publicKey), true);
  });

  test("a tampered signature or message, and a signature of the wrong length, do not verify", () => {
    const sig = sign(SPEC, "ED25519_SHA_512", "RAW", MESSAGE, pair.privateKey);
    const bad = Buffer.from(sig);
    bad[10] = (bad[10] ?? 0) ^ 4;
    assert.equal(verify(SPEC, "ED25519_SHA_512", "RAW", MESSAGE, bad, pair.publicKey), false);
    assert.equal(verify(SPEC, "ED25519_SHA_512", "RAW", Buffer.from("other"), sig, pair.publicKey), false);
    assert.equal(verify(SPEC, "ED25519_SHA_512", "RAW", MESSAGE, sig.subarray(0, 63), pair.publicKey), false);
  });

  test("ED25519_SHA_512 refuses MessageType DIGEST (the two Ed25519 algorithms are not interchangeable)", () => {
    assert.throws(
      () => sign(SPEC, "ED25519_SHA_512", "DIGEST", Buffer.alloc(64), pair.privateKey),
      (e: unknown) =>
        e instanceof AsymmetricCryptoError &&
        e.reason === "MESSAGE_TYPE_INCOMPATIBLE" &&
        e.awsCode === "ValidationException",
    );
  });

  test("the signature is RFC 8032 Ed25519 (deterministic, equal to @noble/curves' for the same seed)", () => {
    const key = SecretBytes.copyOf(pkcs8(RFC8032_PH.secret));
    const ours = sign(SPEC, "ED25519_SHA_512", "RAW", MESSAGE, key);
    assert.deepEqual(ours, Buffer.from(ed25519.sign(MESSAGE, Buffer.from(RFC8032_PH.secret, "hex"))));
  });
});

describe("ED25519_PH_SHA_512 (DIGEST)", () => {
  test("the Ed25519ph primitive reproduces the RFC 8032 §7.3 test vector", () => {
    const sig = ed25519ph.sign(Buffer.from(RFC8032_PH.message, "hex"), Buffer.from(RFC8032_PH.secret, "hex"));
    assert.equal(Buffer.from(sig).toString("hex"), RFC8032_PH.signature);
    const key = SecretBytes.copyOf(pkcs8(RFC8032_PH.secret));
    assert.deepEqual(publicKeyFromPrivate(SPEC, key), spki(RFC8032_PH.public));
  });

  test("Trent signs the caller's 64-byte digest as the Ed25519ph message (SHA-512 applied again, as AWS documents)", () => {
    const key = SecretBytes.copyOf(pkcs8(RFC8032_PH.secret));
    const digest = createHash("sha512").update(MESSAGE).digest();
    const sig = sign(SPEC, "ED25519_PH_SHA_512", "DIGEST", digest, key);
    // Ed25519ph(M = digest): the digest is hashed once more with SHA-512 inside HashEdDSA.
    assert.equal(sig.toString("hex"), Buffer.from(ed25519ph.sign(digest, Buffer.from(RFC8032_PH.secret, "hex"))).toString("hex"));
    assert.equal(verify(SPEC, "ED25519_PH_SHA_512", "DIGEST", digest, sig, spki(RFC8032_PH.public)), true);
    // It is neither pure Ed25519 over the digest nor over the message.
    assert.equal(verify(SPEC, "ED25519_SHA_512", "RAW", digest, sig, spki(RFC8032_PH.public)), false);
    assert.equal(verify(SPEC, "ED25519_SHA_512", "RAW", MESSAGE, sig, spki(RFC8032_PH.public)), false);
  });

  test("a generated key signs and verifies a digest; tampering fails", () => {
    const digest = createHash("sha512").update(MESSAGE).digest();
    const sig = sign(SPEC, "ED25519_PH_SHA_512", "DIGEST", digest, pair.privateKey);
    assert.equal(verify(SPEC, "ED25519_PH_SHA_512", "DIGEST", digest, sig, pair.publicKey), true);
    const bad = Buffer.from(sig);
    bad[40] = (bad[40] ?? 0) ^ 1;
    assert.equal(verify(SPEC, "ED25519_PH_SHA_512", "DIGEST", digest, bad, pair.publicKey), false);
    const otherDigest = Buffer.from(digest);
    otherDigest[0] = (otherDigest[0] ?? 0) ^ 1;
    assert.equal(verify(SPEC, "ED25519_PH_SHA_512", "DIGEST", otherDigest, sig, pair.publicKey), false);
  });

  test("ED25519_PH_SHA_512 refuses RAW and a digest that is not 64 bytes", () => {
    assert.throws(
      () => sign(SPEC, "ED25519_PH_SHA_512", "RAW", MESSAGE, pair.privateKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "MESSAGE_TYPE_INCOMPATIBLE",
    );
    assert.throws(
      () => sign(SPEC, "ED25519_PH_SHA_512", "DIGEST", Buffer.alloc(32), pair.privateKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.message === "Digest is invalid length for algorithm ED25519_PH_SHA_512.",
    );
  });

  test("an ECDSA algorithm is refused for an Ed25519 key", () => {
    assert.throws(
      () => sign(SPEC, "ECDSA_SHA_512", "RAW", MESSAGE, pair.privateKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "ALGORITHM_INCOMPATIBLE",
    );
  });
});
