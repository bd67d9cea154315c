import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import { createHash, createPublicKey, verify as nodeVerify } from "node:crypto";
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { generateKeyPair, type KeyPair } from "./key-generation.js";
import { sign } from "./sign.js";
import { verify } from "./verify.js";
import { AsymmetricCryptoError } from "./errors.js";
import { DerError, TAG, integerMagnitude, parseSequence, sequence, unsignedInteger } from "./der.js";
import { TempDir, openssl, writeKeyPair } from "./test-support/openssl.js";
import type { EcdsaKeySpec, SigningAlgorithm } from "./specs.js";

const CASES = [
  { spec: "ECC_NIST_P256", alg: "ECDSA_SHA_256", md: "sha256", curve: p256 },
  { spec: "ECC_NIST_P384", alg: "ECDSA_SHA_384", md: "sha384", curve: p384 },
  { spec: "ECC_NIST_P521", alg: "ECDSA_SHA_512", md: "sha512", curve: p521 },
  { spec: "ECC_SECG_P256K1", alg: "ECDSA_SHA_256", md: "sha256", curve: secp256k1 },
] as const satisfies readonly { spec: EcdsaKeySpec; alg: SigningAlgorithm; md: string; curve: unknown }[];

const MESSAGE = Buffer.from("ECDSA interop message", "utf8");

let dir: TempDir;
const keys = new Map<EcdsaKeySpec, { pair: KeyPair; pub: string; priv: string }>();

before(async () => {
  dir = await TempDir.create();
  await dir.write("msg.bin", MESSAGE);
  for (const { spec } of CASES) {
    const pair = await generateKeyPair(spec);
    keys.set(spec, { pair, ...(await writeKeyPair(dir, spec, { publicKey: pair.publicKey, privateKey: pair.privateKey.expose() })) });
  }
});

after(async () => {
  for (const k of keys.values()) k.pair.privateKey.dispose();
  await dir.remove();
});

function key(spec: EcdsaKeySpec): { pair: KeyPair; pub: string; priv: string } {
  const k = keys.get(spec);
  if (k === undefined) throw new Error("key not generated");
  return k;
}

/** (r, s) of a DER ECDSA signature. */
function rs(sig: Buffer): { r: Buffer; s: Buffer } {
  const [r, s] = parseSequence(sig);
  if (r?.tag !== TAG.INTEGER || s?.tag !== TAG.INTEGER) throw new DerError("not an ECDSA signature");
  return { r: integerMagnitude(r.content), s: integerMagnitude(s.content) };
}

function toHex(n: bigint): string {
  const h = n.toString(16);
  return h.length % 2 ? `0${h}` : h;
}

for (const { spec, alg, md, curve } of CASES) {
  describe(`${spec} ${alg}`, () => {
    test("openssl dgst -verify accepts Trent's DER signature of the RAW message", async () => {
      const { pair, pub } = key(spec);
      const sigPath = await dir.write(`${spec}-raw.sig`, sign(spec, alg, "RAW", MESSAGE, pair.privateKey));
      const r = await openssl(["dgst", `-${md}`, "-verify", pub, "-signature", sigPath, dir.file("msg.bin")]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.toString(), /Verified OK/);
    });

    test("openssl pkeyutl -verify (digest) and dgst -verify (message) accept Trent's signature of a DIGEST", async () => {
      const { pair, pub } = key(spec);
      const digest = createHash(md).update(MESSAGE).digest();
      const sigPath = await dir.write(`${spec}-digest.sig`, sign(spec, alg, "DIGEST", digest, pair.privateKey));
      const digestPath = await dir.write(`${spec}.digest`, digest);
      const byDigest = await openssl(["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-in", digestPath, "-sigfile", sigPath]);
      assert.equal(byDigest.code, 0, byDigest.stderr);
      assert.match(byDigest.stdout.toString(), /Signature Verified Successfully/);
      const byMessage = await openssl(["dgst", `-${md}`, "-verify", pub, "-signature", sigPath, dir.file("msg.bin")]);
      assert.equal(byMessage.code, 0, byMessage.stderr);
    });

    test("Trent verifies an openssl dgst -sign signature as RAW and as DIGEST", async () => {
      const { pair, priv } = key(spec);
      const r = await openssl(["dgst", `-${md}`, "-sign", priv, "-out", dir.file(`${spec}-openssl.sig`), dir.file("msg.bin")]);
      assert.equal(r.code, 0, r.stderr);
      const sig = await dir.read(`${spec}-openssl.sig`);
      assert.equal(verify(spec, alg, "RAW", MESSAGE, sig, pair.publicKey), true);
      assert.equal(verify(spec, alg, "DIGEST", createHash(md).update(MESSAGE).digest(), sig, pair.publicKey), true);
    });

    test("a DIGEST signature verifies with node:crypto over the RAW message (exact, no second hash)", () => {
      const { pair } = key(spec);
      const digest = createHash(md).update(MESSAGE).digest();
      for (let i = 0; i < 8; i++) {
        const sig = sign(spec, alg, "DIGEST", digest, pair.privateKey);
        const pub = createPublicKey({ key: pair.publicKey, format: "der", type: "spki" });
        assert.equal(nodeVerify(md, MESSAGE, { key: pub, dsaEncoding: "der" }, sig), true);
        // Not a signature of the digest hashed once more.
        assert.equal(nodeVerify(md, digest, { key: pub, dsaEncoding: "der" }, sig), false);
      }
    });

    test("signatures are randomised and S is not normalised: high-S signatures verify in Trent and openssl", async () => {
      const { pair, pub } = key(spec);
      const digest = createHash(md).update(MESSAGE).digest();
      const n = curve.Point.CURVE().n;
      let sawHigh = false;
      const seen = new Set<string>();
      for (let i = 0; i < 24; i++) {
        const sig = sign(spec, alg, i % 2 ? "RAW" : "DIGEST", i % 2 ? MESSAGE : digest, pair.privateKey);
        seen.add(sig.toString("hex"));
        const s = BigInt(`0x${rs(sig).s.toString("hex")}`);
        if (s > n / 2n) sawHigh = true;
      }
      assert.equal(seen.size, 24);
      assert.equal(sawHigh, true, "24 signatures without one high-S value: S is being normalised");

      // The mirror image (r, n - s) of any signature is valid too; AWS accepts both, so must we.
      const sig = sign(spec, alg, "DIGEST", digest, pair.privateKey);
      const { r, s } = rs(sig);
      const mirrored = sequence(unsignedInteger(r), unsignedInteger(Buffer.from(toHex(n - BigInt(`0x${s.toString("hex")}`)), "hex")));
      assert.equal(verify(spec, alg, "DIGEST", digest, mirrored, pair.publicKey), true);
      assert.equal(verify(spec, alg, "RAW", MESSAGE, mirrored, pair.publicKey), true);
      const sigPath = await dir.write(`${spec}-mirrored.sig`, mirrored);
      const o = await openssl(["dgst", `-${md}`, "-verify", pub, "-signature", sigPath, dir.file("msg.bin")]);
      assert.equal(o.code, 0, o.stderr);
    });

    test("a tampered signature, message or digest, and a malformed signature do not verify", () => {
      const { pair } = key(spec);
      const digest = createHash(md).update(MESSAGE).digest();
      for (const [type, msg] of [["RAW", MESSAGE], ["DIGEST", digest]] as const) {
        const sig = sign(spec, alg, type, msg, pair.privateKey);
        const { r, s } = rs(sig);
        const sPlus = Buffer.from(s);
        sPlus[sPlus.length - 1] = (sPlus[sPlus.length - 1] ?? 0) ^ 1;
        assert.equal(verify(spec, alg, type, msg, sequence(unsignedInteger(r), unsignedInteger(sPlus)), pair.publicKey), false);
        const badMsg = Buffer.from(msg);
        badMsg[0] = (badMsg[0] ?? 0) ^ 1;
        assert.equal(verify(spec, alg, type, badMsg, sig, pair.publicKey), false);
        assert.equal(verify(spec, alg, type, msg, Buffer.from("3006020100020100", "hex"), pair.publicKey), false);
        assert.equal(verify(spec, alg, type, msg, Buffer.from("not a signature"), pair.publicKey), false);
        assert.equal(verify(spec, alg, type, msg, Buffer.alloc(0), pair.publicKey), false);
      }
    });

    test("a DIGEST of the wrong length is refused with AWS's message", () => {
      const { pair } = key(spec);
      assert.throws(
        () => sign(spec, alg, "DIGEST", Buffer.alloc(20), pair.privateKey),
        (e: unknown) => e instanceof AsymmetricCryptoError && e.message === `Digest is invalid length for algorithm ${alg}.`,
      );
    });
  });
}

describe("ECDSA key checks", () => {
  test("an algorithm of another curve is refused (ECDSA_SHA_384 with ECC_NIST_P256)", () => {
    const { pair } = key("ECC_NIST_P256");
    assert.throws(
      () => sign("ECC_NIST_P256", "ECDSA_SHA_384", "RAW", MESSAGE, pair.privateKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "ALGORITHM_INCOMPATIBLE",
    );
  });

  test("a key on another curve than the key spec is refused as invalid key material, RAW and DIGEST", () => {
    const { pair } = key("ECC_SECG_P256K1");
    for (const type of ["RAW", "DIGEST"] as const) {
      assert.throws(
        () => sign("ECC_NIST_P256", "ECDSA_SHA_256", type, Buffer.alloc(32), pair.privateKey),
        (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "INVALID_KEY_MATERIAL",
      );
      assert.throws(
        () => verify("ECC_NIST_P256", "ECDSA_SHA_256", type, Buffer.alloc(32), Buffer.alloc(8), pair.publicKey),
        (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "INVALID_KEY_MATERIAL",
      );
    }
  });
});
