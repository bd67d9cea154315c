import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import { createHash } from "node:crypto";
import { generateKeyPair, type KeyPair } from "./key-generation.js";
import { digestForSigning, sign } from "./sign.js";
import { verify } from "./verify.js";
import { AsymmetricCryptoError } from "./errors.js";
import { TempDir, openssl, writeKeyPair } from "./test-support/openssl.js";
import type { RsaKeySpec, SigningAlgorithm } from "./specs.js";

const SPECS: readonly RsaKeySpec[] = ["RSA_2048", "RSA_3072", "RSA_4096"];
const ALGS = [
  { alg: "RSASSA_PSS_SHA_256", md: "sha256", pss: true, len: 32 },
  { alg: "RSASSA_PSS_SHA_384", md: "sha384", pss: true, len: 48 },
  { alg: "RSASSA_PSS_SHA_512", md: "sha512", pss: true, len: 64 },
  { alg: "RSASSA_PKCS1_V1_5_SHA_256", md: "sha256", pss: false, len: 32 },
  { alg: "RSASSA_PKCS1_V1_5_SHA_384", md: "sha384", pss: false, len: 48 },
  { alg: "RSASSA_PKCS1_V1_5_SHA_512", md: "sha512", pss: false, len: 64 },
] as const satisfies readonly { alg: SigningAlgorithm; md: string; pss: boolean; len: number }[];

const MESSAGE = Buffer.from("Trent signs this message for the interop test.\n", "utf8");

/** OpenSSL options that pin PSS to AWS's parameters: MGF1 with the same hash, salt = hash length. */
function pssOpts(flag: "-sigopt" | "-pkeyopt", md: string, len: number): string[] {
  return [flag, "rsa_padding_mode:pss", flag, `rsa_pss_saltlen:${len}`, flag, `rsa_mgf1_md:${md}`];
}

let dir: TempDir;
const keys = new Map<RsaKeySpec, { pair: KeyPair; pub: string; priv: string }>();

before(async () => {
  dir = await TempDir.create();
  await dir.write("msg.bin", MESSAGE);
  // One key per size for the whole file (RSA-4096 generation takes seconds).
  const pairs = await Promise.all(SPECS.map((s) => generateKeyPair(s)));
  for (const [i, spec] of SPECS.entries()) {
    const pair = pairs[i];
    if (pair === undefined) throw new Error("missing key");
    const paths = await writeKeyPair(dir, spec, { publicKey: pair.publicKey, privateKey: pair.privateKey.expose() });
    keys.set(spec, { pair, ...paths });
  }
});

after(async () => {
  for (const k of keys.values()) k.pair.privateKey.dispose();
  await dir.remove();
});

function key(spec: RsaKeySpec): { pair: KeyPair; pub: string; priv: string } {
  const k = keys.get(spec);
  if (k === undefined) throw new Error("key not generated");
  return k;
}

for (const spec of SPECS) {
  describe(`${spec} signing`, () => {
    for (const { alg, md, pss, len } of ALGS) {
      test(`openssl dgst -verify accepts a ${alg} signature Trent made from the RAW message`, async () => {
        const { pair, pub } = key(spec);
        const sig = sign(spec, alg, "RAW", MESSAGE, pair.privateKey);
        assert.equal(sig.length, Number(spec.slice(4)) / 8);
        const sigPath = await dir.write(`${spec}-${alg}-raw.sig`, sig);
        const r = await openssl([
          "dgst", `-${md}`, "-verify", pub, "-signature", sigPath, ...(pss ? pssOpts("-sigopt", md, len) : []), dir.file("msg.bin"),
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout.toString(), /Verified OK/);
      });

      test(`openssl pkeyutl -verify and dgst -verify accept a ${alg} signature Trent made from a DIGEST`, async () => {
        const { pair, pub } = key(spec);
        const digest = createHash(md).update(MESSAGE).digest();
        const sig = sign(spec, alg, "DIGEST", digest, pair.privateKey);
        const sigPath = await dir.write(`${spec}-${alg}-digest.sig`, sig);
        const digestPath = await dir.write(`${spec}-${alg}.digest`, digest);
        const byDigest = await openssl([
          "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-in", digestPath, "-sigfile", sigPath,
          "-pkeyopt", `digest:${md}`, ...(pss ? pssOpts("-pkeyopt", md, len) : []),
        ]);
        assert.equal(byDigest.code, 0, byDigest.stderr);
        assert.match(byDigest.stdout.toString(), /Signature Verified Successfully/);
        const byMessage = await openssl([
          "dgst", `-${md}`, "-verify", pub, "-signature", sigPath, ...(pss ? pssOpts("-sigopt", md, len) : []), dir.file("msg.bin"),
        ]);
        assert.equal(byMessage.code, 0, byMessage.stderr);
      });

      test(`Trent verifies a ${alg} signature made by openssl dgst -sign, as RAW and as DIGEST`, async () => {
        const { pair, priv } = key(spec);
        const sigPath = dir.file(`${spec}-${alg}-openssl.sig`);
        const r = await openssl([
          "dgst", `-${md}`, "-sign", priv, "-out", sigPath, ...(pss ? pssOpts("-sigopt", md, len) : []), dir.file("msg.bin"),
        ]);
        assert.equal(r.code, 0, r.stderr);
        const sig = await dir.read(`${spec}-${alg}-openssl.sig`);
        assert.equal(verify(spec, alg, "RAW", MESSAGE, sig, pair.publicKey), true);
        assert.equal(verify(spec, alg, "DIGEST", digestForSigning(alg, MESSAGE), sig, pair.publicKey), true);
      });

      test(`Trent's ${alg} verify rejects a tampered signature, a tampered message and a truncated signature`, () => {
        const { pair } = key(spec);
        for (const type of ["RAW", "DIGEST"] as const) {
          const msg = type === "RAW" ? MESSAGE : digestForSigning(alg, MESSAGE);
          const sig = sign(spec, alg, type, msg, pair.privateKey);
          assert.equal(verify(spec, alg, type, msg, sig, pair.publicKey), true);
          const badSig = Buffer.from(sig);
          badSig[badSig.length - 1] = (badSig[badSig.length - 1] ?? 0) ^ 1;
          assert.equal(verify(spec, alg, type, msg, badSig, pair.publicKey), false);
          const badMsg = Buffer.from(msg);
          badMsg[0] = (badMsg[0] ?? 0) ^ 0x80;
          assert.equal(verify(spec, alg, type, badMsg, sig, pair.publicKey), false);
          // Drop the last byte: dropping a leading zero byte would leave the same number (1 time in 256).
          assert.equal(verify(spec, alg, type, msg, sig.subarray(0, sig.length - 1), pair.publicKey), false);
          assert.equal(verify(spec, alg, type, msg, Buffer.alloc(sig.length, 0xff), pair.publicKey), false);
          assert.equal(verify(spec, alg, type, msg, Buffer.alloc(0), pair.publicKey), false);
        }
      });
    }

    test("a PKCS#1 v1.5 signature of a DIGEST is byte-identical to the signature of the RAW message", () => {
      const { pair } = key(spec);
      for (const { alg, pss } of ALGS) {
        if (pss) continue;
        const raw = sign(spec, alg, "RAW", MESSAGE, pair.privateKey);
        const dig = sign(spec, alg, "DIGEST", digestForSigning(alg, MESSAGE), pair.privateKey);
        assert.deepEqual(dig, raw);
      }
    });

    test("a PSS signature of a DIGEST verifies with node:crypto at salt length = hash length, and is randomised", () => {
      const { pair } = key(spec);
      for (const { alg, pss } of ALGS) {
        if (!pss) continue;
        const d = digestForSigning(alg, MESSAGE);
        const a = sign(spec, alg, "DIGEST", d, pair.privateKey);
        const b = sign(spec, alg, "DIGEST", d, pair.privateKey);
        assert.notDeepEqual(a, b);
        assert.equal(verify(spec, alg, "RAW", MESSAGE, a, pair.publicKey), true);
      }
    });
  });
}

describe("RSA signing input checks", () => {
  test("a DIGEST of the wrong length is refused with AWS's ValidationException message", () => {
    const { pair } = key("RSA_2048");
    for (const n of [0, 20, 31, 33, 48, 64]) {
      assert.throws(
        () => sign("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256", "DIGEST", Buffer.alloc(n), pair.privateKey),
        (e: unknown) =>
          e instanceof AsymmetricCryptoError &&
          e.reason === "DIGEST_LENGTH" &&
          e.awsCode === "ValidationException" &&
          e.message === "Digest is invalid length for algorithm RSASSA_PKCS1_V1_5_SHA_256.",
      );
    }
  });

  test("a RAW message over 4096 bytes is refused; 4096 bytes are signed", () => {
    const { pair } = key("RSA_2048");
    assert.throws(
      () => sign("RSA_2048", "RSASSA_PSS_SHA_256", "RAW", Buffer.alloc(4097), pair.privateKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "MESSAGE_TOO_LONG",
    );
    const sig = sign("RSA_2048", "RSASSA_PSS_SHA_256", "RAW", Buffer.alloc(4096, 7), pair.privateKey);
    assert.equal(verify("RSA_2048", "RSASSA_PSS_SHA_256", "RAW", Buffer.alloc(4096, 7), sig, pair.publicKey), true);
  });

  test("an ECDSA or ML-DSA algorithm or EXTERNAL_MU is refused for an RSA key", () => {
    const { pair } = key("RSA_2048");
    assert.throws(
      () => sign("RSA_2048", "ECDSA_SHA_256", "RAW", MESSAGE, pair.privateKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "ALGORITHM_INCOMPATIBLE" && e.awsCode === "InvalidKeyUsageException",
    );
    assert.throws(
      () => sign("RSA_2048", "RSASSA_PSS_SHA_256", "EXTERNAL_MU", Buffer.alloc(64), pair.privateKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "MESSAGE_TYPE_INCOMPATIBLE",
    );
  });

  test("a key of another size than the key spec says is refused as invalid key material", () => {
    const { pair } = key("RSA_2048");
    assert.throws(
      () => sign("RSA_3072", "RSASSA_PSS_SHA_256", "RAW", MESSAGE, pair.privateKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "INVALID_KEY_MATERIAL",
    );
    assert.throws(
      () => verify("RSA_4096", "RSASSA_PSS_SHA_256", "RAW", MESSAGE, Buffer.alloc(512), pair.publicKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "INVALID_KEY_MATERIAL",
    );
  });
});
