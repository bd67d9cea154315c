import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  type DataKeyPairSpec,
  type GenerateDataKeyPairResponse,
  type GenerateDataKeyPairWithoutPlaintextResponse,
} from "@aws-sdk/client-kms";
import { ml_kem1024, ml_kem512, ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectError, setup, useTrent } from "../support/harness.js";
import { openssl, pem, useTempDir } from "../support/openssl.js";

/**
 * GenerateDataKeyPair(WithoutPlaintext) for every DataKeyPairSpec, through the SDK.
 *
 * What "Trent verifies signatures made by openssl with a key pair from GenerateDataKeyPair"
 * can mean: Trent's Verify checks a signature against a KMS key's public key, and a data key pair
 * is not a KMS key (Trent keeps no copy of it), so no Trent call can verify a signature made with
 * its private key. The faithful test is that the pair Trent returns is a real, usable key pair:
 * `openssl` signs with PrivateKeyPlaintext (and with the private key Decrypt recovers from
 * PrivateKeyCiphertextBlob) and `openssl` verifies with the returned PublicKey. Trent's own
 * signatures are checked by openssl in sign-verify.test.ts.
 */
const SPECS: readonly DataKeyPairSpec[] = [
  "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "SM2",
  "ECC_NIST_EDWARDS25519", "ML_KEM_512", "ML_KEM_768", "ML_KEM_1024",
];
const ML_KEM = { ML_KEM_512: ml_kem512, ML_KEM_768: ml_kem768, ML_KEM_1024: ml_kem1024 } as const;
const CONTEXT = { purpose: "data-key-pair-test" };
const MESSAGE = Buffer.from("signed with a data key pair");

const h = useTrent();
const dir = useTempDir();
let kmsKey: { keyId: string; arn: string; materialId: string };
const withPlaintext = new Map<string, GenerateDataKeyPairResponse>();
const withoutPlaintext = new Map<string, GenerateDataKeyPairWithoutPlaintextResponse>();

setup(async () => {
  await dir.write("msg.bin", MESSAGE);
  const md = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata;
  const described = (await h.kms.send(new DescribeKeyCommand({ KeyId: md?.KeyId }))).KeyMetadata;
  kmsKey = { keyId: md?.KeyId ?? "", arn: md?.Arn ?? "", materialId: described?.CurrentKeyMaterialId ?? "" };
  // In parallel: RSA key pairs are generated on node's thread pool.
  await Promise.all(
    SPECS.map(async (KeyPairSpec) => {
      withPlaintext.set(KeyPairSpec, await h.kms.send(new GenerateDataKeyPairCommand({ KeyId: kmsKey.keyId, KeyPairSpec, EncryptionContext: CONTEXT })));
      withoutPlaintext.set(
        KeyPairSpec,
        await h.kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: kmsKey.arn, KeyPairSpec, EncryptionContext: CONTEXT })),
      );
    }),
  );
});

async function decryptPrivateKey(blob: Uint8Array | undefined): Promise<Buffer> {
  const r = await h.kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: CONTEXT }));
  assert.equal(r.KeyId, kmsKey.arn);
  return Buffer.from(r.Plaintext ?? []);
}

/** openssl signs MESSAGE with the PKCS#8 private key and verifies with the SPKI public key. */
async function opensslSignsAndVerifies(name: string, spec: DataKeyPairSpec, privateKey: Buffer, publicKey: Buffer): Promise<void> {
  const priv = await dir.write(`${name}.key.pem`, pem("PRIVATE KEY", privateKey));
  const pub = await dir.write(`${name}.pub.pem`, pem("PUBLIC KEY", publicKey));
  const sig = dir.file(`${name}.sig`);
  const msg = dir.file("msg.bin");
  const [signArgs, verifyArgs] =
    spec === "ECC_NIST_EDWARDS25519"
      ? [
          ["pkeyutl", "-sign", "-inkey", priv, "-rawin", "-in", msg, "-out", sig],
          ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", msg, "-sigfile", sig],
        ]
      : spec === "SM2"
        ? [
            ["dgst", "-sm3", "-sign", priv, "-sigopt", "distid:1234567812345678", "-out", sig, msg],
            ["dgst", "-sm3", "-verify", pub, "-sigopt", "distid:1234567812345678", "-signature", sig, msg],
          ]
        : [
            ["dgst", "-sha256", "-sign", priv, "-out", sig, msg],
            ["dgst", "-sha256", "-verify", pub, "-signature", sig, msg],
          ];
  const s = await openssl(signArgs);
  assert.equal(s.code, 0, s.stderr);
  const v = await openssl(verifyArgs);
  assert.equal(v.code, 0, v.stderr);
  // The public key openssl derives from the private key is the one Trent returned.
  const derived = await openssl(["pkey", "-in", priv, "-pubout", "-outform", "DER"]);
  assert.equal(derived.code, 0, derived.stderr);
  assert.deepEqual(derived.stdout, publicKey);
}

/** ML-KEM: the PKCS#8 holds the 64-byte seed (as AWS documents); the seed's encapsulation key is the SPKI's. */
function mlKemPairMatches(spec: keyof typeof ML_KEM, privateKey: Buffer, publicKey: Buffer): void {
  const seed = privateKey.subarray(-64);
  const { publicKey: ek } = ML_KEM[spec].keygen(seed);
  assert.deepEqual(publicKey.subarray(-ek.length), Buffer.from(ek));
}

describe("GenerateDataKeyPair", () => {
  for (const spec of SPECS) {
    test(`${spec}: a PKCS#8 private key, its SPKI public key, and the private key encrypted under the KMS key`, async () => {
      const r = withPlaintext.get(spec);
      assert.ok(r);
      assert.equal(r.KeyId, kmsKey.arn);
      assert.equal(r.KeyPairSpec, spec);
      assert.equal(r.KeyMaterialId, kmsKey.materialId);
      const privateKey = Buffer.from(r.PrivateKeyPlaintext ?? []);
      const publicKey = Buffer.from(r.PublicKey ?? []);
      assert.equal(privateKey[0], 0x30, "DER");
      // PrivateKeyCiphertextBlob is an ordinary ciphertext of the KMS key: Decrypt with the same
      // encryption context returns the private key; without it, nothing.
      assert.deepEqual(await decryptPrivateKey(r.PrivateKeyCiphertextBlob), privateKey);
      await expectError(h.kms.send(new DecryptCommand({ CiphertextBlob: r.PrivateKeyCiphertextBlob })), "InvalidCiphertextException");
      if (spec.startsWith("ML_KEM_")) mlKemPairMatches(spec as keyof typeof ML_KEM, privateKey, publicKey);
      else await opensslSignsAndVerifies(`with-${spec}`, spec, privateKey, publicKey);
    });
  }
});

describe("GenerateDataKeyPairWithoutPlaintext", () => {
  for (const spec of SPECS) {
    test(`${spec}: no plaintext private key; the encrypted one decrypts to the private key of PublicKey`, async () => {
      const r = withoutPlaintext.get(spec);
      assert.ok(r);
      assert.equal("PrivateKeyPlaintext" in r, false);
      assert.equal(r.KeyId, kmsKey.arn);
      assert.equal(r.KeyPairSpec, spec);
      assert.equal(r.KeyMaterialId, kmsKey.materialId);
      const privateKey = await decryptPrivateKey(r.PrivateKeyCiphertextBlob);
      const publicKey = Buffer.from(r.PublicKey ?? []);
      if (spec.startsWith("ML_KEM_")) mlKemPairMatches(spec as keyof typeof ML_KEM, privateKey, publicKey);
      else await opensslSignsAndVerifies(`without-${spec}`, spec, privateKey, publicKey);
    });
  }

  test("each call returns a new key pair", () => {
    assert.notDeepEqual(withPlaintext.get("ECC_NIST_P256")?.PublicKey, withoutPlaintext.get("ECC_NIST_P256")?.PublicKey);
  });
});

describe("data key pair errors", () => {
  test("an asymmetric or HMAC KMS key is InvalidKeyUsageException", async () => {
    const rsa = (await h.kms.send(new CreateKeyCommand({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" }))).KeyMetadata;
    await expectError(h.kms.send(new GenerateDataKeyPairCommand({ KeyId: rsa?.KeyId, KeyPairSpec: "ECC_NIST_P256" })), "InvalidKeyUsageException");
    await expectError(
      h.kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: rsa?.KeyId, KeyPairSpec: "ECC_NIST_P256" })),
      "InvalidKeyUsageException",
    );
    const hmac = (await h.kms.send(new CreateKeyCommand({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" }))).KeyMetadata;
    const err = await expectError(h.kms.send(new GenerateDataKeyPairCommand({ KeyId: hmac?.KeyId, KeyPairSpec: "ECC_NIST_P256" })), "InvalidKeyUsageException");
    assert.equal(err.message, `${hmac?.Arn} key usage is GENERATE_VERIFY_MAC which is not valid for GenerateDataKeyPair.`);
  });

  test("Recipient is UnsupportedOperationException and DryRun is DryRunOperationException", async () => {
    await expectError(
      h.kms.send(
        new GenerateDataKeyPairCommand({
          KeyId: kmsKey.keyId,
          KeyPairSpec: "ECC_NIST_P256",
          Recipient: { KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256", AttestationDocument: Buffer.from("doc") },
        }),
      ),
      "UnsupportedOperationException",
    );
    await expectError(
      h.kms.send(new GenerateDataKeyPairCommand({ KeyId: kmsKey.keyId, KeyPairSpec: "ECC_NIST_P256", DryRun: true })),
      "DryRunOperationException",
    );
  });
});
