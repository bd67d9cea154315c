import { strict as assert } from "node:assert";
import { before, describe, test } from "node:test";
import { constants, createHash, createPrivateKey, createPublicKey, sign as nodeSign } from "node:crypto";
import { generateKeyPair, type KeyPair } from "./key-generation.js";
import { mlDsaExternalMu } from "./ml-dsa.js";
import { publicKeyFromPrivate } from "./public-key.js";
import { emsaPssEncode, emsaPssVerify } from "./rsa-digest.js";
import { sign } from "./sign.js";
import { sm2Digest } from "./sm2.js";
import { verify } from "./verify.js";
import {
  ALGORITHM_INFO,
  SIGNING_ALGORITHMS,
  isMlDsaSpec,
  type AsymmetricKeySpec,
  type MessageType,
  type SigningAlgorithm,
} from "./specs.js";

const SPECS = Object.keys(SIGNING_ALGORITHMS) as AsymmetricKeySpec[];
const MESSAGE = Buffer.from("every algorithm of every key spec", "utf8");

const keys = new Map<AsymmetricKeySpec, KeyPair>();

before(async () => {
  const all = await Promise.all(SPECS.map((s) => generateKeyPair(s)));
  for (const [i, spec] of SPECS.entries()) {
    const kp = all[i];
    if (kp === undefined) throw new Error("missing key");
    keys.set(spec, kp);
  }
});

function key(spec: AsymmetricKeySpec): KeyPair {
  const k = keys.get(spec);
  if (k === undefined) throw new Error("not generated");
  return k;
}

/** The input AWS expects for `type`: the message, its digest, or the ML-DSA mu. */
function input(spec: AsymmetricKeySpec, alg: SigningAlgorithm, type: MessageType, publicKey: Buffer): Buffer {
  if (type === "RAW") return MESSAGE;
  if (type === "EXTERNAL_MU") {
    if (!isMlDsaSpec(spec)) throw new Error("EXTERNAL_MU is ML-DSA only");
    return mlDsaExternalMu(spec, publicKey, MESSAGE);
  }
  if (alg === "SM2DSA") return sm2Digest(publicKey, MESSAGE);
  return createHash(ALGORITHM_INFO[alg].hash).update(MESSAGE).digest();
}

describe("every signing algorithm of every key spec", () => {
  test("generateKeyPair gives a PKCS#8 private key whose public key is the returned SPKI, for every key spec", () => {
    for (const spec of SPECS) {
      const { privateKey, publicKey } = key(spec);
      assert.deepEqual(publicKeyFromPrivate(spec, privateKey), publicKey, spec);
    }
  });

  for (const spec of SPECS) {
    for (const alg of SIGNING_ALGORITHMS[spec]) {
      for (const type of ALGORITHM_INFO[alg].messageTypes) {
        test(`${spec} ${alg} ${type}: sign then verify succeeds; verify with a tampered input fails`, () => {
          const { privateKey, publicKey } = key(spec);
          const msg = input(spec, alg, type, publicKey);
          const sig = sign(spec, alg, type, msg, privateKey);
          assert.equal(verify(spec, alg, type, msg, sig, publicKey), true);
          const bad = Buffer.from(msg);
          bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0x01;
          assert.equal(verify(spec, alg, type, bad, sig, publicKey), false);
        });
      }
    }
  }

  test("RAW and DIGEST (or EXTERNAL_MU) signatures are interchangeable in Verify where AWS allows both", () => {
    for (const spec of SPECS) {
      for (const alg of SIGNING_ALGORITHMS[spec]) {
        const types = ALGORITHM_INFO[alg].messageTypes;
        if (types.length < 2) continue;
        const { privateKey, publicKey } = key(spec);
        const [a, b] = types as readonly [MessageType, MessageType];
        const sigA = sign(spec, alg, a, input(spec, alg, a, publicKey), privateKey);
        assert.equal(verify(spec, alg, b, input(spec, alg, b, publicKey), sigA, publicKey), true, `${spec} ${alg}`);
        const sigB = sign(spec, alg, b, input(spec, alg, b, publicKey), privateKey);
        assert.equal(verify(spec, alg, a, input(spec, alg, a, publicKey), sigB, publicKey), true, `${spec} ${alg}`);
      }
    }
  });

  test("a signature of one key does not verify under another key of the same spec", async () => {
    for (const spec of ["RSA_2048", "ECC_NIST_P256", "ECC_NIST_EDWARDS25519", "ML_DSA_44", "SM2"] as const) {
      const other = await generateKeyPair(spec);
      const alg = SIGNING_ALGORITHMS[spec][0];
      if (alg === undefined) throw new Error("no algorithm");
      const sig = sign(spec, alg, "RAW", MESSAGE, key(spec).privateKey);
      assert.equal(verify(spec, alg, "RAW", MESSAGE, sig, other.publicKey), false, spec);
    }
  });
});

describe("RSASSA-PSS details", () => {
  test("EMSA-PSS encoding with a fixed salt verifies in node:crypto and round-trips through EMSA-PSS-VERIFY", () => {
    const { privateKey, publicKey } = key("RSA_2048");
    const priv = createPrivateKey({ key: privateKey.expose(), format: "der", type: "pkcs8" });
    const digest = createHash("sha256").update(MESSAGE).digest();
    const em = emsaPssEncode("sha256", digest, 2047, Buffer.alloc(32, 0x5a));
    assert.equal(em.length, 256);
    assert.equal(em[255], 0xbc);
    assert.equal((em[0] ?? 0) & 0x80, 0);
    assert.equal(emsaPssVerify("sha256", digest, em, 2047, 32), true);
    assert.equal(emsaPssVerify("sha256", digest, em, 2047, 20), false);
    const sig = nodeSign("sha256", MESSAGE, { key: priv, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    assert.equal(verify("RSA_2048", "RSASSA_PSS_SHA_256", "RAW", MESSAGE, sig, publicKey), true);
  });

  test("a PSS signature with a salt length other than the hash length does not verify (AWS fixes the salt length)", () => {
    const { privateKey, publicKey } = key("RSA_2048");
    const priv = createPrivateKey({ key: privateKey.expose(), format: "der", type: "pkcs8" });
    for (const saltLength of [0, 20, 64]) {
      const sig = nodeSign("sha256", MESSAGE, { key: priv, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
      assert.equal(verify("RSA_2048", "RSASSA_PSS_SHA_256", "RAW", MESSAGE, sig, publicKey), false, `salt ${saltLength}`);
      const digest = createHash("sha256").update(MESSAGE).digest();
      assert.equal(verify("RSA_2048", "RSASSA_PSS_SHA_256", "DIGEST", digest, sig, publicKey), false, `salt ${saltLength}`);
    }
  });

  test("a signature value at or above the modulus is rejected, not reduced", () => {
    const { publicKey } = key("RSA_2048");
    const jwk = createPublicKey({ key: publicKey, format: "der", type: "spki" }).export({ format: "jwk" });
    const n = Buffer.from(jwk.n ?? "", "base64url");
    const digest = createHash("sha256").update(MESSAGE).digest();
    for (const alg of ["RSASSA_PSS_SHA_256", "RSASSA_PKCS1_V1_5_SHA_256"] as const) {
      assert.equal(verify("RSA_2048", alg, "DIGEST", digest, n, publicKey), false);
      assert.equal(verify("RSA_2048", alg, "DIGEST", digest, Buffer.alloc(256, 0xff), publicKey), false);
      assert.equal(verify("RSA_2048", alg, "DIGEST", digest, Buffer.alloc(256), publicKey), false);
    }
  });
});
