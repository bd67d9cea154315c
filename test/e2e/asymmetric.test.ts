import {
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  SignCommand,
  type EncryptionAlgorithmSpec,
  type KeyMetadata,
  type KeySpec,
  type KeyUsageType,
  type SigningAlgorithmSpec,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { describe, test } from "node:test";
import { expectError, setup, useTrent } from "../support/harness.js";

/**
 * Every key spec Trent creates, with the algorithm lists AWS returns for it (written out here,
 * not read from src/domain/key-spec.ts, so that this file checks that table). RSA signing
 * algorithms are listed PKCS#1 v1.5 first, as AWS's DescribeKey example shows.
 */
const RSA_SIGNING: SigningAlgorithmSpec[] = [
  "RSASSA_PKCS1_V1_5_SHA_256",
  "RSASSA_PKCS1_V1_5_SHA_384",
  "RSASSA_PKCS1_V1_5_SHA_512",
  "RSASSA_PSS_SHA_256",
  "RSASSA_PSS_SHA_384",
  "RSASSA_PSS_SHA_512",
];
const RSA_ENCRYPTION: EncryptionAlgorithmSpec[] = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"];

type Lists = Pick<KeyMetadata, "EncryptionAlgorithms" | "SigningAlgorithms" | "MacAlgorithms" | "KeyAgreementAlgorithms">;

/** `node`: the asymmetricKeyType node:crypto reads from the SPKI (node reads no type from SM2 or ML-DSA keys). */
const CASES: readonly { spec: KeySpec; usage: KeyUsageType; lists: Lists; legacy: boolean; node?: string }[] = [
  { spec: "RSA_2048", usage: "ENCRYPT_DECRYPT", lists: { EncryptionAlgorithms: RSA_ENCRYPTION }, legacy: true, node: "rsa" },
  { spec: "RSA_2048", usage: "SIGN_VERIFY", lists: { SigningAlgorithms: RSA_SIGNING }, legacy: true, node: "rsa" },
  { spec: "RSA_3072", usage: "ENCRYPT_DECRYPT", lists: { EncryptionAlgorithms: RSA_ENCRYPTION }, legacy: true, node: "rsa" },
  { spec: "RSA_3072", usage: "SIGN_VERIFY", lists: { SigningAlgorithms: RSA_SIGNING }, legacy: true, node: "rsa" },
  { spec: "RSA_4096", usage: "ENCRYPT_DECRYPT", lists: { EncryptionAlgorithms: RSA_ENCRYPTION }, legacy: true, node: "rsa" },
  { spec: "RSA_4096", usage: "SIGN_VERIFY", lists: { SigningAlgorithms: RSA_SIGNING }, legacy: true, node: "rsa" },
  { spec: "ECC_NIST_P256", usage: "SIGN_VERIFY", lists: { SigningAlgorithms: ["ECDSA_SHA_256"] }, legacy: true, node: "ec" },
  { spec: "ECC_NIST_P256", usage: "KEY_AGREEMENT", lists: { KeyAgreementAlgorithms: ["ECDH"] }, legacy: true, node: "ec" },
  { spec: "ECC_NIST_P384", usage: "SIGN_VERIFY", lists: { SigningAlgorithms: ["ECDSA_SHA_384"] }, legacy: true, node: "ec" },
  { spec: "ECC_NIST_P384", usage: "KEY_AGREEMENT", lists: { KeyAgreementAlgorithms: ["ECDH"] }, legacy: true, node: "ec" },
  { spec: "ECC_NIST_P521", usage: "SIGN_VERIFY", lists: { SigningAlgorithms: ["ECDSA_SHA_512"] }, legacy: true, node: "ec" },
  { spec: "ECC_NIST_P521", usage: "KEY_AGREEMENT", lists: { KeyAgreementAlgorithms: ["ECDH"] }, legacy: true, node: "ec" },
  { spec: "ECC_SECG_P256K1", usage: "SIGN_VERIFY", lists: { SigningAlgorithms: ["ECDSA_SHA_256"] }, legacy: true, node: "ec" },
  {
    spec: "ECC_NIST_EDWARDS25519",
    usage: "SIGN_VERIFY",
    lists: { SigningAlgorithms: ["ED25519_SHA_512", "ED25519_PH_SHA_512"] },
    legacy: false,
    node: "ed25519",
  },
  { spec: "ML_DSA_44", usage: "SIGN_VERIFY", lists: { SigningAlgorithms: ["ML_DSA_SHAKE_256"] }, legacy: false },
  { spec: "ML_DSA_65", usage: "SIGN_VERIFY", lists: { SigningAlgorithms: ["ML_DSA_SHAKE_256"] }, legacy: false },
  { spec: "ML_DSA_87", usage: "SIGN_VERIFY", lists: { SigningAlgorithms: ["ML_DSA_SHAKE_256"] }, legacy: false },
  { spec: "HMAC_224", usage: "GENERATE_VERIFY_MAC", lists: { MacAlgorithms: ["HMAC_SHA_224"] }, legacy: true },
  { spec: "HMAC_256", usage: "GENERATE_VERIFY_MAC", lists: { MacAlgorithms: ["HMAC_SHA_256"] }, legacy: true },
  { spec: "HMAC_384", usage: "GENERATE_VERIFY_MAC", lists: { MacAlgorithms: ["HMAC_SHA_384"] }, legacy: true },
  { spec: "HMAC_512", usage: "GENERATE_VERIFY_MAC", lists: { MacAlgorithms: ["HMAC_SHA_512"] }, legacy: true },
  // SM2 is offered in every region by Trent (AWS: China regions only).
  { spec: "SM2", usage: "ENCRYPT_DECRYPT", lists: { EncryptionAlgorithms: ["SM2PKE"] }, legacy: true },
  { spec: "SM2", usage: "SIGN_VERIFY", lists: { SigningAlgorithms: ["SM2DSA"] }, legacy: true },
  { spec: "SM2", usage: "KEY_AGREEMENT", lists: { KeyAgreementAlgorithms: ["ECDH"] }, legacy: true },
];

const LIST_NAMES = ["EncryptionAlgorithms", "SigningAlgorithms", "MacAlgorithms", "KeyAgreementAlgorithms"] as const;

const h = useTrent();
/** KeyMetadata from CreateKey, by "SPEC/USAGE". */
const created = new Map<string, KeyMetadata>();

setup(async () => {
  // Created in parallel: node generates RSA keys on its thread pool.
  await Promise.all(
    CASES.map(async ({ spec, usage }) => {
      const r = await h.kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: usage, Description: `${spec} ${usage}` }));
      assert.ok(r.KeyMetadata);
      created.set(`${spec}/${usage}`, r.KeyMetadata);
    }),
  );
});

function keyOf(spec: string, usage: string): KeyMetadata {
  const md = created.get(`${spec}/${usage}`);
  if (md === undefined) throw new Error(`no ${spec}/${usage} key`);
  return md;
}

describe("CreateKey and DescribeKey for every key spec and usage", () => {
  for (const { spec, usage, lists, legacy } of CASES) {
    test(`${spec} ${usage}: CreateKey and DescribeKey return AWS's metadata and algorithm lists`, async () => {
      const fromCreate = keyOf(spec, usage);
      const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: fromCreate.KeyId }))).KeyMetadata;
      assert.ok(md);
      for (const m of [fromCreate, md]) {
        assert.equal(m.KeySpec, spec);
        assert.equal(m.KeyUsage, usage);
        assert.equal(m.KeyState, "Enabled");
        assert.equal(m.Origin, "AWS_KMS");
        assert.equal(m.CustomerMasterKeySpec, legacy ? spec : undefined, "CustomerMasterKeySpec only for the legacy specs");
        for (const name of LIST_NAMES) assert.deepEqual(m[name], lists[name], name);
        // Only symmetric encryption keys rotate, so only they report their current key material.
        assert.equal(m.CurrentKeyMaterialId, undefined);
      }
    });
  }

  test("a KeyUsage the KeySpec does not allow is a ValidationException naming both", async () => {
    const bad: readonly [KeySpec, KeyUsageType][] = [
      ["RSA_2048", "KEY_AGREEMENT"],
      ["RSA_3072", "GENERATE_VERIFY_MAC"],
      ["ECC_NIST_P384", "ENCRYPT_DECRYPT"],
      ["ECC_SECG_P256K1", "KEY_AGREEMENT"],
      ["ECC_NIST_EDWARDS25519", "KEY_AGREEMENT"],
      ["ECC_NIST_EDWARDS25519", "ENCRYPT_DECRYPT"],
      ["ML_DSA_65", "ENCRYPT_DECRYPT"],
      ["HMAC_256", "SIGN_VERIFY"],
      ["SM2", "GENERATE_VERIFY_MAC"],
    ];
    for (const [KeySpec, KeyUsage] of bad) {
      const err = await expectError(h.kms.send(new CreateKeyCommand({ KeySpec, KeyUsage })), "ValidationException");
      assert.equal(err.message, `KeyUsage ${KeyUsage} is not compatible with KeySpec ${KeySpec}`);
    }
  });

});

describe("GetPublicKey", () => {
  for (const { spec, usage, lists, legacy, node } of CASES) {
    if (spec.startsWith("HMAC_")) continue;
    test(`${spec} ${usage}: returns a DER SPKI public key with the key's spec, usage and algorithm lists`, async () => {
      const md = keyOf(spec, usage);
      const r = await h.kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId }));
      assert.equal(r.KeyId, md.Arn);
      assert.equal(r.KeySpec, spec);
      assert.equal(r.KeyUsage, usage);
      assert.equal(r.CustomerMasterKeySpec, legacy ? spec : undefined);
      for (const name of ["EncryptionAlgorithms", "SigningAlgorithms", "KeyAgreementAlgorithms"] as const) {
        assert.deepEqual(r[name], lists[name], name);
      }
      assert.ok(r.PublicKey && r.PublicKey.length > 0);
      if (node !== undefined) {
        const key = createPublicKey({ key: Buffer.from(r.PublicKey), format: "der", type: "spki" });
        assert.equal(key.asymmetricKeyType, node);
      }
      // The same public key every time (asymmetric material never rotates).
      const again = await h.kms.send(new GetPublicKeyCommand({ KeyId: md.Arn }));
      assert.deepEqual(Buffer.from(again.PublicKey ?? []), Buffer.from(r.PublicKey));
    });
  }

  test("RSA public keys have the modulus the key spec names", async () => {
    for (const [spec, bits] of [["RSA_2048", 2048], ["RSA_3072", 3072], ["RSA_4096", 4096]] as const) {
      const r = await h.kms.send(new GetPublicKeyCommand({ KeyId: keyOf(spec, "SIGN_VERIFY").KeyId }));
      const key = createPublicKey({ key: Buffer.from(r.PublicKey ?? []), format: "der", type: "spki" });
      assert.equal(key.asymmetricKeyDetails?.modulusLength, bits, spec);
    }
  });

  test("a symmetric encryption key has no public key: UnsupportedOperationException", async () => {
    const sym = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata;
    const err = await expectError(h.kms.send(new GetPublicKeyCommand({ KeyId: sym?.KeyId })), "UnsupportedOperationException");
    assert.ok(!/[A-Za-z0-9+/]{40}/.test(err.message), "the message carries no key material");
  });

  test("an HMAC key has no public key: UnsupportedOperationException", async () => {
    await expectError(h.kms.send(new GetPublicKeyCommand({ KeyId: keyOf("HMAC_256", "GENERATE_VERIFY_MAC").KeyId })), "UnsupportedOperationException");
  });
});

describe("key state and usage of asymmetric keys", () => {
  test("a disabled asymmetric key does not sign: DisabledException", async () => {
    const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" }))).KeyMetadata;
    const input = { KeyId: md?.KeyId, Message: Buffer.from("m"), SigningAlgorithm: "ECDSA_SHA_256" as const };
    await h.kms.send(new SignCommand(input));
    await h.kms.send(new DisableKeyCommand({ KeyId: md?.KeyId }));
    const err = await expectError(h.kms.send(new SignCommand(input)), "DisabledException");
    assert.equal(err.message, `${md?.Arn} is disabled.`);
    await expectError(h.kms.send(new GetPublicKeyCommand({ KeyId: md?.KeyId })), "DisabledException");
  });

  test("Sign with an ENCRYPT_DECRYPT key is InvalidKeyUsageException in AWS's words", async () => {
    const md = keyOf("RSA_2048", "ENCRYPT_DECRYPT");
    const err = await expectError(
      h.kms.send(new SignCommand({ KeyId: md.KeyId, Message: Buffer.from("m"), SigningAlgorithm: "RSASSA_PSS_SHA_256" })),
      "InvalidKeyUsageException",
    );
    assert.equal(err.message, `${md.Arn} key usage is ENCRYPT_DECRYPT which is not valid for Sign.`);
  });

  test("rotation operations on asymmetric and HMAC keys are UnsupportedOperationException", async () => {
    for (const [spec, usage] of [["RSA_2048", "SIGN_VERIFY"], ["ECC_NIST_P256", "KEY_AGREEMENT"], ["HMAC_256", "GENERATE_VERIFY_MAC"]] as const) {
      const KeyId = keyOf(spec, usage).KeyId;
      await expectError(h.kms.send(new EnableKeyRotationCommand({ KeyId })), "UnsupportedOperationException");
      await expectError(h.kms.send(new DisableKeyRotationCommand({ KeyId })), "UnsupportedOperationException");
      await expectError(h.kms.send(new GetKeyRotationStatusCommand({ KeyId })), "UnsupportedOperationException");
      await expectError(h.kms.send(new RotateKeyOnDemandCommand({ KeyId })), "UnsupportedOperationException");
      await expectError(h.kms.send(new ListKeyRotationsCommand({ KeyId })), "UnsupportedOperationException");
    }
  });
});
