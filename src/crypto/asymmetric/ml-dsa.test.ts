import { strict as assert } from "node:assert";
import { describe, test } from "node:test";
import { shake256 } from "@noble/hashes/sha3.js";
import { ml_dsa44 } from "@noble/post-quantum/ml-dsa.js";
import { SecretBytes } from "../secret-bytes.js";
import { AsymmetricCryptoError } from "./errors.js";
import { generateKeyPair } from "./key-generation.js";
import {
  generateMlDsaKeyPair,
  mlDsaExternalMu,
  mlDsaLengths,
  mlDsaPkcs8FromSeed,
  mlDsaSign,
  mlDsaSpki,
} from "./ml-dsa.js";
import { publicKeyFromPrivate } from "./public-key.js";
import { sign } from "./sign.js";
import { verify } from "./verify.js";
import { TAG, oid, sequence, tlv } from "./der.js";
import { IETF_ML_DSA_44_PUBLIC_KEY_HEX } from "./test-support/pq-vectors.js";
import type { MlDsaKeySpec } from "./specs.js";

const SPECS: readonly MlDsaKeySpec[] = ["ML_DSA_44", "ML_DSA_65", "ML_DSA_87"];
const SEED = Uint8Array.from({ length: 32 }, (_, i) => i);
const MESSAGE = Buffer.from("ML-DSA message signed by Trent", "utf8");
const ALG = "ML_DSA_SHAKE_256";

describe("ML-DSA key encoding", () => {
  test("the key pair from seed 00..1f is the IETF LAMPS example, in RFC 9881 SPKI and seed-form PKCS#8", () => {
    const { privateKey, publicKey } = generateMlDsaKeyPair("ML_DSA_44", SEED);
    const expectedSpki = Buffer.concat([
      Buffer.from("30820532" + "300b0609608648016503040311" + "0382052100", "hex"),
      Buffer.from(IETF_ML_DSA_44_PUBLIC_KEY_HEX, "hex"),
    ]);
    assert.equal(publicKey.toString("hex"), expectedSpki.toString("hex"));
    // SEQUENCE { INTEGER 0, SEQUENCE { OID 2.16.840.1.101.3.4.3.17 }, OCTET STRING { [0] seed } }
    assert.equal(
      privateKey.expose().toString("hex"),
      "3034" + "020100" + "300b0609608648016503040311" + "0422" + "8020" + Buffer.from(SEED).toString("hex"),
    );
    assert.deepEqual(publicKeyFromPrivate("ML_DSA_44", privateKey), publicKey);
  });

  test("each parameter set uses its NIST OID and FIPS 204 sizes (1312/1952/2592-byte public keys)", async () => {
    const oids = { ML_DSA_44: "11", ML_DSA_65: "12", ML_DSA_87: "13" } as const;
    const sizes = { ML_DSA_44: [1312, 2420], ML_DSA_65: [1952, 3309], ML_DSA_87: [2592, 4627] } as const;
    for (const spec of SPECS) {
      const { publicKey, privateKey } = await generateKeyPair(spec);
      assert.equal(publicKey.subarray(4, 17).toString("hex"), `300b06096086480165030403${oids[spec]}`);
      assert.equal(mlDsaLengths(spec).publicKey, sizes[spec][0]);
      assert.equal(mlDsaLengths(spec).signature, sizes[spec][1]);
      assert.equal(publicKey.length, sizes[spec][0] + 22);
      assert.equal(privateKey.length, 54);
      assert.deepEqual(publicKeyFromPrivate(spec, privateKey), publicKey);
    }
  });

  test("a private key in RFC 9881's expandedKey and both forms signs like the seed form", () => {
    const { secretKey } = ml_dsa44.keygen(SEED);
    const oidDer = sequence(oid("2.16.840.1.101.3.4.3.17"));
    const expanded = SecretBytes.copyOf(
      sequence(tlv(TAG.INTEGER, Buffer.of(0)), oidDer, tlv(TAG.OCTET_STRING, tlv(TAG.OCTET_STRING, secretKey))),
    );
    const both = SecretBytes.copyOf(
      sequence(
        tlv(TAG.INTEGER, Buffer.of(0)),
        oidDer,
        tlv(TAG.OCTET_STRING, sequence(tlv(TAG.OCTET_STRING, SEED), tlv(TAG.OCTET_STRING, secretKey))),
      ),
    );
    const seedForm = SecretBytes.copyOf(mlDsaPkcs8FromSeed("ML_DSA_44", SEED));
    const want = mlDsaSign("ML_DSA_44", "RAW", MESSAGE, seedForm, { deterministic: true });
    assert.deepEqual(mlDsaSign("ML_DSA_44", "RAW", MESSAGE, expanded, { deterministic: true }), want);
    assert.deepEqual(mlDsaSign("ML_DSA_44", "RAW", MESSAGE, both, { deterministic: true }), want);
  });

  test("a both-form key whose seed and expanded key disagree is refused as invalid key material", () => {
    const { secretKey } = ml_dsa44.keygen(new Uint8Array(32).fill(9));
    const bad = SecretBytes.copyOf(
      sequence(
        tlv(TAG.INTEGER, Buffer.of(0)),
        sequence(oid("2.16.840.1.101.3.4.3.17")),
        tlv(TAG.OCTET_STRING, sequence(tlv(TAG.OCTET_STRING, SEED), tlv(TAG.OCTET_STRING, secretKey))),
      ),
    );
    assert.throws(
      () => sign("ML_DSA_44", ALG, "RAW", MESSAGE, bad),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "INVALID_KEY_MATERIAL",
    );
  });

  test("a key of another parameter set than the key spec is refused as invalid key material", () => {
    const { privateKey, publicKey } = generateMlDsaKeyPair("ML_DSA_44", SEED);
    assert.throws(
      () => sign("ML_DSA_65", ALG, "RAW", MESSAGE, privateKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "INVALID_KEY_MATERIAL",
    );
    assert.throws(
      () => verify("ML_DSA_87", ALG, "RAW", MESSAGE, Buffer.alloc(4627), publicKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "INVALID_KEY_MATERIAL",
    );
  });
});

for (const spec of SPECS) {
  describe(`${spec} ML_DSA_SHAKE_256`, () => {
    test("a RAW signature verifies, and fails for a tampered signature or message", async () => {
      const { privateKey, publicKey } = await generateKeyPair(spec);
      const sig = sign(spec, ALG, "RAW", MESSAGE, privateKey);
      assert.equal(sig.length, mlDsaLengths(spec).signature);
      assert.equal(verify(spec, ALG, "RAW", MESSAGE, sig, publicKey), true);
      const bad = Buffer.from(sig);
      bad[100] = (bad[100] ?? 0) ^ 1;
      assert.equal(verify(spec, ALG, "RAW", MESSAGE, bad, publicKey), false);
      assert.equal(verify(spec, ALG, "RAW", Buffer.from("another message"), sig, publicKey), false);
      assert.equal(verify(spec, ALG, "RAW", MESSAGE, sig.subarray(1), publicKey), false);
    });

    test("RAW is pure ML-DSA with an empty context string: it verifies with context '' and not with another context", async () => {
      const { privateKey, publicKey } = await generateKeyPair(spec);
      const sig = sign(spec, ALG, "RAW", MESSAGE, privateKey);
      const raw = publicKey.subarray(publicKey.length - mlDsaLengths(spec).publicKey);
      const dsa = (await import("@noble/post-quantum/ml-dsa.js"))[spec === "ML_DSA_44" ? "ml_dsa44" : spec === "ML_DSA_65" ? "ml_dsa65" : "ml_dsa87"];
      assert.equal(dsa.verify(sig, MESSAGE, raw, { context: new Uint8Array(0) }), true);
      assert.equal(dsa.verify(sig, MESSAGE, raw, { context: Uint8Array.of(1) }), false);
    });

    test("EXTERNAL_MU signs the 64-byte mu; the signature verifies as RAW over the message and vice versa", async () => {
      const { privateKey, publicKey } = await generateKeyPair(spec);
      const mu = mlDsaExternalMu(spec, publicKey, MESSAGE);
      assert.equal(mu.length, 64);
      const byMu = sign(spec, ALG, "EXTERNAL_MU", mu, privateKey);
      assert.equal(verify(spec, ALG, "RAW", MESSAGE, byMu, publicKey), true);
      assert.equal(verify(spec, ALG, "EXTERNAL_MU", mu, byMu, publicKey), true);
      const byRaw = sign(spec, ALG, "RAW", MESSAGE, privateKey);
      assert.equal(verify(spec, ALG, "EXTERNAL_MU", mu, byRaw, publicKey), true);
      const otherMu = Buffer.from(mu);
      otherMu[0] = (otherMu[0] ?? 0) ^ 1;
      assert.equal(verify(spec, ALG, "EXTERNAL_MU", otherMu, byRaw, publicKey), false);
    });

    test("with the same randomness, the EXTERNAL_MU signature equals the RAW one (AWS: 'the same as the RAW ones')", () => {
      const { privateKey, publicKey } = generateMlDsaKeyPair(spec, SEED);
      const mu = mlDsaExternalMu(spec, publicKey, MESSAGE);
      assert.deepEqual(
        mlDsaSign(spec, "EXTERNAL_MU", mu, privateKey, { deterministic: true }),
        mlDsaSign(spec, "RAW", MESSAGE, privateKey, { deterministic: true }),
      );
    });

    test("DIGEST is refused; an EXTERNAL_MU that is not 64 bytes is refused; a RAW message over 4096 bytes is refused", async () => {
      const { privateKey } = await generateKeyPair(spec);
      assert.throws(
        () => sign(spec, ALG, "DIGEST", Buffer.alloc(64), privateKey),
        (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "MESSAGE_TYPE_INCOMPATIBLE",
      );
      assert.throws(
        () => sign(spec, ALG, "EXTERNAL_MU", Buffer.alloc(32), privateKey),
        (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "DIGEST_LENGTH",
      );
      assert.throws(
        () => sign(spec, ALG, "RAW", Buffer.alloc(4097), privateKey),
        (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "MESSAGE_TOO_LONG",
      );
    });
  });
}

describe("ML-DSA mu", () => {
  test("mu is SHAKE256(SHAKE256(pk, 64) || 0x00 || 0x00 || M, 64), the computation AWS's offline example shows", () => {
    const { publicKey } = generateMlDsaKeyPair("ML_DSA_44", SEED);
    const pk = Buffer.from(IETF_ML_DSA_44_PUBLIC_KEY_HEX, "hex");
    const tr = shake256(pk, { dkLen: 64 });
    const want = shake256(Buffer.concat([tr, Buffer.of(0, 0), MESSAGE]), { dkLen: 64 });
    assert.deepEqual(mlDsaExternalMu("ML_DSA_44", publicKey, MESSAGE), Buffer.from(want));
    assert.deepEqual(mlDsaSpki("ML_DSA_44", pk), publicKey);
  });
});
