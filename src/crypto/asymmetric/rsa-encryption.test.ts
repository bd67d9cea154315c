import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import { randomBytes } from "node:crypto";
import { SecretBytes } from "../secret-bytes.js";
import { AsymmetricCryptoError } from "./errors.js";
import { asymmetricDecrypt, asymmetricEncrypt } from "./encryption.js";
import { generateKeyPair, type KeyPair } from "./key-generation.js";
import { maxRsaPlaintext, rsaDecrypt, rsaEncrypt } from "./rsa-encryption.js";
import { TempDir, openssl, writeKeyPair } from "./test-support/openssl.js";
import type { RsaEncryptionAlgorithm, RsaKeySpec } from "./specs.js";

const SPECS: readonly RsaKeySpec[] = ["RSA_2048", "RSA_3072", "RSA_4096"];
const ALGS = [
  { alg: "RSAES_OAEP_SHA_1", md: "sha1" },
  { alg: "RSAES_OAEP_SHA_256", md: "sha256" },
] as const satisfies readonly { alg: RsaEncryptionAlgorithm; md: string }[];

/** AWS's table "Maximum plaintext size (in bytes) in an Encrypt operation". */
const AWS_MAX: Readonly<Record<RsaKeySpec, readonly [number, number]>> = {
  RSA_2048: [214, 190],
  RSA_3072: [342, 318],
  RSA_4096: [470, 446],
};

let dir: TempDir;
const keys = new Map<RsaKeySpec, { pair: KeyPair; pub: string; priv: string }>();

before(async () => {
  dir = await TempDir.create();
  const pairs = await Promise.all(SPECS.map((s) => generateKeyPair(s)));
  for (const [i, spec] of SPECS.entries()) {
    const pair = pairs[i];
    if (pair === undefined) throw new Error("missing key");
    keys.set(spec, { pair, ...(await writeKeyPair(dir, spec, { publicKey: pair.publicKey, privateKey: pair.privateKey.expose() })) });
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

const oaep = (md: string, mgf1: boolean): string[] => [
  "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", `rsa_oaep_md:${md}`, ...(mgf1 ? ["-pkeyopt", `rsa_mgf1_md:${md}`] : []),
];

for (const spec of SPECS) {
  describe(`${spec} encryption`, () => {
    test("the maximum plaintext sizes are AWS's (k - 2·hLen - 2)", () => {
      assert.equal(maxRsaPlaintext(spec, "RSAES_OAEP_SHA_1"), AWS_MAX[spec][0]);
      assert.equal(maxRsaPlaintext(spec, "RSAES_OAEP_SHA_256"), AWS_MAX[spec][1]);
    });

    for (const { alg, md } of ALGS) {
      test(`Trent decrypts what openssl pkeyutl -encrypt made with OAEP ${md} (MGF1 ${md} explicit, and by default)`, async () => {
        const { pair, pub } = key(spec);
        for (const explicitMgf1 of [true, false]) {
          const pt = randomBytes(maxRsaPlaintext(spec, alg));
          const ptPath = await dir.write(`${spec}-${alg}.pt`, pt);
          const ctPath = dir.file(`${spec}-${alg}.ct`);
          const r = await openssl(["pkeyutl", "-encrypt", "-pubin", "-inkey", pub, "-in", ptPath, "-out", ctPath, ...oaep(md, explicitMgf1)]);
          assert.equal(r.code, 0, r.stderr);
          const out = rsaDecrypt(spec, alg, await dir.read(`${spec}-${alg}.ct`), pair.privateKey);
          assert.equal(out.equals(SecretBytes.copyOf(pt)), true);
        }
      });

      test(`openssl pkeyutl -decrypt (OAEP ${md}, MGF1 ${md}) recovers what Trent encrypted`, async () => {
        const { pair, priv } = key(spec);
        const pt = randomBytes(37);
        const ct = rsaEncrypt(spec, alg, SecretBytes.copyOf(pt), pair.publicKey);
        assert.equal(ct.length, Number(spec.slice(4)) / 8);
        const ctPath = await dir.write(`${spec}-${alg}-trent.ct`, ct);
        const outPath = dir.file(`${spec}-${alg}-trent.pt`);
        const r = await openssl(["pkeyutl", "-decrypt", "-inkey", priv, "-in", ctPath, "-out", outPath, ...oaep(md, true)]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(await dir.read(`${spec}-${alg}-trent.pt`), pt);
      });
    }

    test("a plaintext one byte over the maximum is refused; the maximum and an empty plaintext round-trip", () => {
      const { pair } = key(spec);
      for (const { alg } of ALGS) {
        const max = maxRsaPlaintext(spec, alg);
        assert.throws(
          () => rsaEncrypt(spec, alg, SecretBytes.copyOf(Buffer.alloc(max + 1)), pair.publicKey),
          (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "PLAINTEXT_TOO_LONG",
        );
        for (const n of [max, 0]) {
          const pt = randomBytes(n);
          const ct = asymmetricEncrypt(spec, alg, SecretBytes.copyOf(pt), pair.publicKey);
          assert.deepEqual(asymmetricDecrypt(spec, alg, ct, pair.privateKey).expose(), pt);
        }
      }
    });
  });
}

describe("RSA decryption failures", () => {
  test("a tampered ciphertext, the other OAEP hash, another key and a wrong length all fail the same way", () => {
    const { pair } = key("RSA_2048");
    const other = key("RSA_3072");
    const ct = rsaEncrypt("RSA_2048", "RSAES_OAEP_SHA_256", SecretBytes.copyOf(Buffer.from("secret")), pair.publicKey);
    const tampered = Buffer.from(ct);
    tampered[5] = (tampered[5] ?? 0) ^ 1;
    const failures: (() => unknown)[] = [
      () => rsaDecrypt("RSA_2048", "RSAES_OAEP_SHA_256", tampered, pair.privateKey),
      () => rsaDecrypt("RSA_2048", "RSAES_OAEP_SHA_1", ct, pair.privateKey),
      () => rsaDecrypt("RSA_2048", "RSAES_OAEP_SHA_256", ct.subarray(0, ct.length - 1), pair.privateKey),
      () => rsaDecrypt("RSA_3072", "RSAES_OAEP_SHA_256", Buffer.concat([ct, Buffer.alloc(128)]), other.pair.privateKey),
    ];
    for (const f of failures) {
      assert.throws(f, (e: unknown) => {
        assert.ok(e instanceof AsymmetricCryptoError);
        assert.equal(e.reason, "DECRYPTION_FAILED");
        assert.equal(e.awsCode, "InvalidCiphertextException");
        assert.equal(e.message, "The ciphertext is invalid.");
        return true;
      });
    }
  });

  test("SM2PKE and signing algorithms are refused for an RSA key", () => {
    const { pair } = key("RSA_2048");
    assert.throws(
      () => asymmetricEncrypt("RSA_2048", "SM2PKE", SecretBytes.copyOf(Buffer.from("x")), pair.publicKey),
      (e: unknown) => e instanceof AsymmetricCryptoError && e.reason === "ALGORITHM_INCOMPATIBLE",
    );
  });
});
