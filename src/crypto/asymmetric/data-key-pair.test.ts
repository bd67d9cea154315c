import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import { createPrivateKey, createPublicKey, sign as nodeSign } from "node:crypto";
import { ml_kem512, ml_kem768, ml_kem1024 } from "@noble/post-quantum/ml-kem.js";
import { DATA_KEY_PAIR_SPECS, generateDataKeyPair, type DataKeyPairSpec } from "./data-key-pair.js";
import { children, oidToString, parseSequence, readTlv, TAG } from "./der.js";
import type { KeyPair } from "./key-generation.js";
import { generateMlKemKeyPair } from "./ml-kem.js";
import { publicKeyFromPrivate } from "./public-key.js";
import { verify } from "./verify.js";
import { IETF_ML_KEM_512_SPKI_B64 } from "./test-support/pq-vectors.js";
import { TempDir, openssl, pem } from "./test-support/openssl.js";

type ClassicSpec = Exclude<DataKeyPairSpec, "ML_KEM_512" | "ML_KEM_768" | "ML_KEM_1024">;

/** What `openssl pkey -text` names each key type (and curve). */
const OPENSSL_TEXT: Readonly<Record<ClassicSpec, RegExp>> = {
  RSA_2048: /Private-Key: \(2048 bit, 2 primes\)/,
  RSA_3072: /Private-Key: \(3072 bit, 2 primes\)/,
  RSA_4096: /Private-Key: \(4096 bit, 2 primes\)/,
  ECC_NIST_P256: /NIST CURVE: P-256/,
  ECC_NIST_P384: /NIST CURVE: P-384/,
  ECC_NIST_P521: /NIST CURVE: P-521/,
  ECC_SECG_P256K1: /ASN1 OID: secp256k1/,
  SM2: /ASN1 OID: SM2/,
  ECC_NIST_EDWARDS25519: /ED25519 Private-Key/,
};

const ML_KEM = { ML_KEM_512: ml_kem512, ML_KEM_768: ml_kem768, ML_KEM_1024: ml_kem1024 } as const;

let dir: TempDir;
const pairs = new Map<DataKeyPairSpec, KeyPair>();

before(async () => {
  dir = await TempDir.create();
  const all = await Promise.all(DATA_KEY_PAIR_SPECS.map((s) => generateDataKeyPair(s)));
  for (const [i, spec] of DATA_KEY_PAIR_SPECS.entries()) {
    const p = all[i];
    if (p === undefined) throw new Error("missing pair");
    pairs.set(spec, p);
  }
});

after(async () => {
  for (const p of pairs.values()) p.privateKey.dispose();
  await dir.remove();
});

function pair(spec: DataKeyPairSpec): KeyPair {
  const p = pairs.get(spec);
  if (p === undefined) throw new Error("not generated");
  return p;
}

describe("GenerateDataKeyPair", () => {
  test("covers every DataKeyPairSpec of the AWS model", () => {
    assert.deepEqual([...DATA_KEY_PAIR_SPECS].sort(), [
      "ECC_NIST_EDWARDS25519", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
      "ML_KEM_1024", "ML_KEM_512", "ML_KEM_768", "RSA_2048", "RSA_3072", "RSA_4096", "SM2",
    ]);
  });

  for (const [spec, text] of Object.entries(OPENSSL_TEXT) as [ClassicSpec, RegExp][]) {
    test(`a ${spec} private key is PKCS#8 DER that openssl reads as that key type, and its public key is the returned SPKI`, async () => {
      const { privateKey, publicKey } = pair(spec);
      const keyPath = await dir.write(`${spec}.key.der`, privateKey.expose());
      const info = await openssl(["pkey", "-inform", "DER", "-in", keyPath, "-text", "-noout"]);
      assert.equal(info.code, 0, info.stderr);
      assert.match(info.stdout.toString(), text);
      const pub = await openssl(["pkey", "-inform", "DER", "-in", keyPath, "-pubout", "-outform", "DER"]);
      assert.equal(pub.code, 0, pub.stderr);
      assert.deepEqual(pub.stdout, publicKey);
      assert.deepEqual(publicKeyFromPrivate(spec, privateKey), publicKey);
      const [version] = parseSequence(privateKey.expose());
      assert.equal(version?.content.toString("hex"), "00", "PrivateKeyInfo version 0 (RFC 5958 v1)");
    });
  }

  test("Trent verifies a signature openssl made with a data key pair's private key (ECDSA P-384)", async () => {
    const { privateKey, publicKey } = pair("ECC_NIST_P384");
    const keyPath = await dir.write("p384.pem", pem("PRIVATE KEY", privateKey.expose()));
    const msgPath = await dir.write("m.bin", "data key pair message");
    const r = await openssl(["dgst", "-sha384", "-sign", keyPath, "-out", dir.file("m.sig"), msgPath]);
    assert.equal(r.code, 0, r.stderr);
    const sig = await dir.read("m.sig");
    assert.equal(verify("ECC_NIST_P384", "ECDSA_SHA_384", "RAW", Buffer.from("data key pair message"), sig, publicKey), true);
  });

  test("an RSA data key pair signs with node:crypto and verifies in Trent (the key is usable outside KMS)", () => {
    const { privateKey, publicKey } = pair("RSA_2048");
    const key = createPrivateKey({ key: privateKey.expose(), format: "der", type: "pkcs8" });
    const sig = nodeSign("sha256", Buffer.from("m"), key);
    assert.equal(verify("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256", "RAW", Buffer.from("m"), sig, publicKey), true);
    assert.equal(createPublicKey(key).export({ type: "spki", format: "der" }).equals(publicKey), true);
  });

  test("ML-KEM private keys are seed-form PKCS#8 of one length for all three specs, as AWS documents", () => {
    const oids = { ML_KEM_512: "2.16.840.1.101.3.4.4.1", ML_KEM_768: "2.16.840.1.101.3.4.4.2", ML_KEM_1024: "2.16.840.1.101.3.4.4.3" } as const;
    for (const spec of ["ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"] as const) {
      const { privateKey, publicKey } = pair(spec);
      assert.equal(privateKey.length, 86);
      const [, alg, key] = parseSequence(privateKey.expose());
      assert.equal(alg?.tag, TAG.SEQUENCE);
      const [algOid, ...params] = children(alg?.content ?? Buffer.alloc(0));
      assert.equal(oidToString(algOid?.content ?? Buffer.alloc(0)), oids[spec]);
      assert.equal(params.length, 0, "AlgorithmIdentifier parameters absent");
      const seed = readTlv(key?.content ?? Buffer.alloc(0));
      assert.equal(seed.tag, 0x80);
      assert.equal(seed.content.length, 64);
      // The seed regenerates the returned public key, and the pair encapsulates/decapsulates.
      const { publicKey: ek, secretKey: dk } = ML_KEM[spec].keygen(seed.content);
      assert.deepEqual(publicKey.subarray(publicKey.length - ek.length), Buffer.from(ek));
      const { cipherText, sharedSecret } = ML_KEM[spec].encapsulate(ek);
      assert.deepEqual(ML_KEM[spec].decapsulate(cipherText, dk), sharedSecret);
    }
  });

  test("the ML-KEM-512 key pair from seed 00..3f has the IETF LAMPS example public key", () => {
    const seed = Uint8Array.from({ length: 64 }, (_, i) => i);
    const { publicKey } = generateMlKemKeyPair("ML_KEM_512", seed);
    assert.equal(publicKey.toString("base64"), IETF_ML_KEM_512_SPKI_B64);
  });

  test("two data key pairs of one spec are different", async () => {
    const a = await generateDataKeyPair("ECC_NIST_P256");
    const b = await generateDataKeyPair("ECC_NIST_P256");
    assert.equal(a.publicKey.equals(b.publicKey), false);
    assert.equal(a.privateKey.equals(b.privateKey), false);
  });
});
