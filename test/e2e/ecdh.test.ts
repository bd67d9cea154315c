import {
  CreateKeyCommand,
  DeriveSharedSecretCommand,
  DisableKeyCommand,
  GetPublicKeyCommand,
  type KeySpec,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectError, setup, useTrent } from "../support/harness.js";
import { createKeysWithPublicPem, openssl, useTempDir, type KeyWithPublicPem } from "../support/openssl.js";

/**
 * DeriveSharedSecret through the SDK. AWS returns the raw ECDH shared secret (the x-coordinate),
 * which is what `openssl pkeyutl -derive` computes from the peer's private key and Trent's
 * public key.
 */
const CURVES: readonly { spec: KeySpec; openssl: string; bytes: number }[] = [
  { spec: "ECC_NIST_P256", openssl: "P-256", bytes: 32 },
  { spec: "ECC_NIST_P384", openssl: "P-384", bytes: 48 },
  { spec: "ECC_NIST_P521", openssl: "P-521", bytes: 66 },
];

const h = useTrent();
const dir = useTempDir();
let key: (spec: string) => KeyWithPublicPem;

setup(async () => {
  key = await createKeysWithPublicPem(h.kms, dir, [...CURVES.map((c) => c.spec), "SM2"], "KEY_AGREEMENT");
});

/** A peer key pair made by openssl: private key PEM path and public key DER. */
async function opensslPeer(name: string, curve: string): Promise<{ priv: string; spki: Buffer }> {
  const priv = dir.file(`${name}.key.pem`);
  const gen = await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", `ec_paramgen_curve:${curve}`, "-out", priv]);
  assert.equal(gen.code, 0, gen.stderr);
  const pub = await openssl(["pkey", "-in", priv, "-pubout", "-outform", "DER"]);
  assert.equal(pub.code, 0, pub.stderr);
  return { priv, spki: pub.stdout };
}

async function derive(spec: string, peer: Uint8Array): Promise<Buffer> {
  const r = await h.kms.send(new DeriveSharedSecretCommand({ KeyId: key(spec).keyId, KeyAgreementAlgorithm: "ECDH", PublicKey: peer }));
  assert.equal(r.KeyId, key(spec).arn);
  assert.equal(r.KeyAgreementAlgorithm, "ECDH");
  assert.equal(r.KeyOrigin, "AWS_KMS");
  return Buffer.from(r.SharedSecret ?? []);
}

describe("DeriveSharedSecret", () => {
  for (const { spec, openssl: curve, bytes } of CURVES) {
    test(`${spec}: the shared secret equals openssl pkeyutl -derive with the peer's private key and Trent's public key`, async () => {
      const peer = await opensslPeer(spec, curve);
      const out = dir.file(`${spec}.secret`);
      const r = await openssl(["pkeyutl", "-derive", "-inkey", peer.priv, "-peerkey", key(spec).pubPem, "-out", out]);
      assert.equal(r.code, 0, r.stderr);
      const expected = await dir.read(`${spec}.secret`);
      const secret = await derive(spec, peer.spki);
      assert.equal(secret.length, bytes);
      assert.deepEqual(secret, expected);
    });
  }

  test("two KMS keys derive the same secret from each other's public keys (P-256 and SM2)", async () => {
    for (const spec of ["ECC_NIST_P256", "SM2"] as const) {
      const other = (await h.kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: "KEY_AGREEMENT" }))).KeyMetadata;
      const otherSpki = (await h.kms.send(new GetPublicKeyCommand({ KeyId: other?.KeyId }))).PublicKey;
      const ab = await derive(spec, otherSpki ?? new Uint8Array());
      const ba = await h.kms.send(new DeriveSharedSecretCommand({ KeyId: other?.KeyId, KeyAgreementAlgorithm: "ECDH", PublicKey: key(spec).spki }));
      assert.deepEqual(Buffer.from(ba.SharedSecret ?? []), ab, spec);
      assert.equal(ab.length, 32);
    }
  });
});

describe("DeriveSharedSecret errors", () => {
  test("a peer public key that is not an EC SubjectPublicKeyInfo is a ValidationException", async () => {
    await expectError(derive("ECC_NIST_P256", Buffer.from("InvalidPublicKey")), "ValidationException");
    const rsaPub = await openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", dir.file("rsa.key.pem")]);
    assert.equal(rsaPub.code, 0, rsaPub.stderr);
    const rsaSpki = await openssl(["pkey", "-in", dir.file("rsa.key.pem"), "-pubout", "-outform", "DER"]);
    await expectError(derive("ECC_NIST_P256", rsaSpki.stdout), "ValidationException");
  });

  test("a peer key on another curve is a ValidationException", async () => {
    await expectError(derive("ECC_NIST_P256", key("ECC_NIST_P384").spki), "ValidationException");
    const k1 = await opensslPeer("k1", "secp256k1");
    await expectError(derive("ECC_NIST_P256", k1.spki), "ValidationException");
  });

  test("a SIGN_VERIFY key is InvalidKeyUsageException in AWS's words", async () => {
    const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" }))).KeyMetadata;
    const err = await expectError(
      h.kms.send(new DeriveSharedSecretCommand({ KeyId: md?.KeyId, KeyAgreementAlgorithm: "ECDH", PublicKey: key("ECC_NIST_P256").spki })),
      "InvalidKeyUsageException",
    );
    assert.equal(err.message, `${md?.Arn} key usage is SIGN_VERIFY which is not valid for DeriveSharedSecret.`);
    const sym = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata;
    await expectError(
      h.kms.send(new DeriveSharedSecretCommand({ KeyId: sym?.KeyId, KeyAgreementAlgorithm: "ECDH", PublicKey: key("ECC_NIST_P256").spki })),
      "InvalidKeyUsageException",
    );
  });

  test("Recipient is UnsupportedOperationException; DryRun is DryRunOperationException; a disabled key is DisabledException", async () => {
    const base = { KeyId: key("ECC_NIST_P384").keyId, KeyAgreementAlgorithm: "ECDH" as const, PublicKey: key("ECC_NIST_P384").spki };
    await expectError(
      h.kms.send(new DeriveSharedSecretCommand({ ...base, Recipient: { KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256", AttestationDocument: Buffer.from("doc") } })),
      "UnsupportedOperationException",
    );
    await expectError(h.kms.send(new DeriveSharedSecretCommand({ ...base, DryRun: true })), "DryRunOperationException");
    const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: "ECC_NIST_P521", KeyUsage: "KEY_AGREEMENT" }))).KeyMetadata;
    await h.kms.send(new DisableKeyCommand({ KeyId: md?.KeyId }));
    await expectError(
      h.kms.send(new DeriveSharedSecretCommand({ KeyId: md?.KeyId, KeyAgreementAlgorithm: "ECDH", PublicKey: key("ECC_NIST_P521").spki })),
      "DisabledException",
    );
  });
});
