import {
  CreateKeyCommand,
  DecapsulateCommand,
  DescribeKeyCommand,
  EncapsulateCommand,
  GenerateDataKeyPairCommand,
  GetPublicKeyCommand,
  SignCommand,
  type KeySpec,
} from "@aws-sdk/client-kms";
import { ml_kem1024, ml_kem512, ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createKeyId, createKeyRef, expectError, setup, useTrent, type KeyRef } from "../support/harness.js";
import { importMaterial } from "../support/key-import.js";

/**
 * ML-KEM KMS keys through the SDK: CreateKey, DescribeKey, GetPublicKey, Encapsulate and
 * Decapsulate, as the KMS API reference describes them (KeyUsage ENCAPSULATE_DECAPSULATE,
 * EncapsulationAlgorithm ML_KEM, a 32-byte shared secret, ciphertexts of 768/1088/1568 bytes,
 * implicit rejection). The offline side uses @noble/post-quantum with the public key from
 * GetPublicKey, as a client outside KMS would.
 */
const SPECS = [
  { spec: "ML_KEM_512", kem: ml_kem512, oid: "2.16.840.1.101.3.4.4.1", publicKey: 800, ciphertext: 768 },
  { spec: "ML_KEM_768", kem: ml_kem768, oid: "2.16.840.1.101.3.4.4.2", publicKey: 1184, ciphertext: 1088 },
  { spec: "ML_KEM_1024", kem: ml_kem1024, oid: "2.16.840.1.101.3.4.4.3", publicKey: 1568, ciphertext: 1568 },
] as const;

const h = useTrent();
const keys = new Map<string, KeyRef>();
const key = (spec: string): KeyRef => keys.get(spec) ?? assert.fail(`no ${spec} key`);

setup(async () => {
  for (const { spec } of SPECS) keys.set(spec, await createKeyRef(h.kms, { KeySpec: spec, KeyUsage: "ENCAPSULATE_DECAPSULATE" }));
});

/** The raw encapsulation key inside a DER SPKI, after checking the algorithm OID. */
function encapsulationKey(spki: Uint8Array, oid: string, length: number): Uint8Array {
  const der = Buffer.from(spki);
  const oidBytes = oidDer(oid);
  assert.ok(der.includes(oidBytes), `the SPKI names ${oid}`);
  assert.equal(der[der.length - length - 1], 0, "a BIT STRING with no unused bits ends the SPKI");
  return der.subarray(der.length - length);
}

function oidDer(oid: string): Buffer {
  const [a = 0, b = 0, ...rest] = oid.split(".").map(Number);
  const body: number[] = [40 * a + b];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    body.push(...chunk);
  }
  return Buffer.from([0x06, body.length, ...body]);
}

describe("ML-KEM keys", () => {
  for (const { spec, kem, oid, publicKey, ciphertext } of SPECS) {
    test(`${spec}: DescribeKey and GetPublicKey give ENCAPSULATE_DECAPSULATE, EncapsulationAlgorithms [ML_KEM] and the FIPS 203 public key`, async () => {
      const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: key(spec).keyId }))).KeyMetadata;
      assert.equal(md?.KeySpec, spec);
      assert.equal(md?.KeyUsage, "ENCAPSULATE_DECAPSULATE");
      assert.deepEqual(md?.EncapsulationAlgorithms, ["ML_KEM"]);
      assert.equal(md?.CustomerMasterKeySpec, undefined, "ML-KEM specs have no legacy CustomerMasterKeySpec");
      assert.equal(md?.EncryptionAlgorithms, undefined);
      assert.equal(md?.SigningAlgorithms, undefined);
      const pk = await h.kms.send(new GetPublicKeyCommand({ KeyId: key(spec).keyId }));
      assert.equal(pk.KeySpec, spec);
      assert.equal(pk.KeyUsage, "ENCAPSULATE_DECAPSULATE");
      assert.deepEqual(pk.EncapsulationAlgorithms, ["ML_KEM"]);
      assert.equal(encapsulationKey(pk.PublicKey ?? new Uint8Array(), oid, publicKey).length, publicKey);
    });

    test(`${spec}: Encapsulate gives a 32-byte secret and a ${ciphertext}-byte ciphertext that Decapsulate turns back into that secret`, async () => {
      const e = await h.kms.send(new EncapsulateCommand({ KeyId: key(spec).keyId, EncapsulationAlgorithm: "ML_KEM" }));
      assert.equal(e.KeyId, key(spec).arn);
      assert.equal(e.EncapsulationAlgorithm, "ML_KEM");
      assert.equal(e.SharedSecret?.length, 32);
      assert.equal(e.SharedSecretCiphertextBlob?.length, ciphertext);
      const d = await h.kms.send(
        new DecapsulateCommand({ KeyId: key(spec).keyId, SharedSecretCiphertextBlob: e.SharedSecretCiphertextBlob, EncapsulationAlgorithm: "ML_KEM" }),
      );
      assert.equal(d.KeyId, key(spec).arn);
      assert.equal(d.EncapsulationAlgorithm, "ML_KEM");
      assert.deepEqual(Buffer.from(d.SharedSecret ?? []), Buffer.from(e.SharedSecret ?? []));
      const again = await h.kms.send(new EncapsulateCommand({ KeyId: key(spec).keyId, EncapsulationAlgorithm: "ML_KEM" }));
      assert.notDeepEqual(Buffer.from(again.SharedSecret ?? []), Buffer.from(e.SharedSecret ?? []), "every Encapsulate makes a new secret");
    });

    test(`${spec}: a secret encapsulated offline with GetPublicKey's key is what Decapsulate returns`, async () => {
      const pk = await h.kms.send(new GetPublicKeyCommand({ KeyId: key(spec).keyId }));
      const offline = kem.encapsulate(encapsulationKey(pk.PublicKey ?? new Uint8Array(), oid, publicKey));
      const d = await h.kms.send(
        new DecapsulateCommand({ KeyId: key(spec).keyId, SharedSecretCiphertextBlob: offline.cipherText, EncapsulationAlgorithm: "ML_KEM" }),
      );
      assert.deepEqual(Buffer.from(d.SharedSecret ?? []), Buffer.from(offline.sharedSecret));
    });
  }

  test("Decapsulate refuses a ciphertext whose length does not fit the key spec, and answers an altered one with a different 32-byte secret (implicit rejection)", async () => {
    const k = key("ML_KEM_768").keyId;
    const e = await h.kms.send(new EncapsulateCommand({ KeyId: k, EncapsulationAlgorithm: "ML_KEM" }));
    const blob = Buffer.from(e.SharedSecretCiphertextBlob ?? []);
    for (const wrong of [blob.subarray(0, 768), Buffer.concat([blob, Buffer.of(0)])]) {
      await expectError(h.kms.send(new DecapsulateCommand({ KeyId: k, SharedSecretCiphertextBlob: wrong, EncapsulationAlgorithm: "ML_KEM" })), "InvalidCiphertextException");
    }
    const altered = Buffer.from(blob);
    altered[100] = (altered[100] ?? 0) ^ 1;
    const d = await h.kms.send(new DecapsulateCommand({ KeyId: k, SharedSecretCiphertextBlob: altered, EncapsulationAlgorithm: "ML_KEM" }));
    assert.equal(d.SharedSecret?.length, 32);
    assert.notDeepEqual(Buffer.from(d.SharedSecret ?? []), Buffer.from(e.SharedSecret ?? []));
    const other = await h.kms.send(
      new DecapsulateCommand({ KeyId: key("ML_KEM_768").keyId, SharedSecretCiphertextBlob: altered, EncapsulationAlgorithm: "ML_KEM" }),
    );
    assert.deepEqual(other.SharedSecret, d.SharedSecret, "implicit rejection is deterministic for a key and ciphertext");
  });

  test("CreateKey: ML-KEM specs need KeyUsage ENCAPSULATE_DECAPSULATE, which no other spec takes", async () => {
    const e1 = await expectError(h.kms.send(new CreateKeyCommand({ KeySpec: "ML_KEM_768" })), "ValidationException");
    assert.match(e1.message, /KeyUsage/);
    for (const [KeySpec, KeyUsage] of [["ML_KEM_512", "KEY_AGREEMENT"], ["ML_KEM_1024", "ENCRYPT_DECRYPT"], ["ECC_NIST_P256", "ENCAPSULATE_DECAPSULATE"]] as const) {
      const e = await expectError(h.kms.send(new CreateKeyCommand({ KeySpec, KeyUsage })), "ValidationException");
      assert.equal(e.message, `KeyUsage ${KeyUsage} is not compatible with KeySpec ${KeySpec}`);
    }
  });

  test("Encapsulate and Decapsulate need an ENCAPSULATE_DECAPSULATE key; an ML-KEM key does nothing else", async () => {
    const symmetric = await createKeyId(h.kms);
    await expectError(h.kms.send(new EncapsulateCommand({ KeyId: symmetric, EncapsulationAlgorithm: "ML_KEM" })), "InvalidKeyUsageException");
    await expectError(
      h.kms.send(new DecapsulateCommand({ KeyId: symmetric, SharedSecretCiphertextBlob: Buffer.alloc(768), EncapsulationAlgorithm: "ML_KEM" })),
      "InvalidKeyUsageException",
    );
    await expectError(
      h.kms.send(new SignCommand({ KeyId: key("ML_KEM_512").keyId, Message: Buffer.from("m"), SigningAlgorithm: "ECDSA_SHA_256" })),
      "InvalidKeyUsageException",
    );
  });

  test("DryRun: Encapsulate and Decapsulate answer DryRunOperationException and return no secret", async () => {
    const k = key("ML_KEM_512").keyId;
    await expectError(h.kms.send(new EncapsulateCommand({ KeyId: k, EncapsulationAlgorithm: "ML_KEM", DryRun: true })), "DryRunOperationException");
    await expectError(
      h.kms.send(new DecapsulateCommand({ KeyId: k, SharedSecretCiphertextBlob: Buffer.alloc(768), EncapsulationAlgorithm: "ML_KEM", DryRun: true })),
      "DryRunOperationException",
    );
  });

  test("a data key pair's ML-KEM private key imported into an EXTERNAL key decapsulates what was encapsulated to the pair's public key", async () => {
    const wrapper = await createKeyId(h.kms);
    const pair = await h.kms.send(new GenerateDataKeyPairCommand({ KeyId: wrapper, KeyPairSpec: "ML_KEM_768" }));
    const created = await h.kms.send(new CreateKeyCommand({ KeySpec: "ML_KEM_768" satisfies KeySpec, KeyUsage: "ENCAPSULATE_DECAPSULATE", Origin: "EXTERNAL" }));
    const keyId = created.KeyMetadata?.KeyId ?? "";
    await importMaterial(h.kms, keyId, pair.PrivateKeyPlaintext ?? new Uint8Array(), { algorithm: "RSA_AES_KEY_WRAP_SHA_256" });
    const pk = await h.kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    assert.deepEqual(Buffer.from(pk.PublicKey ?? []), Buffer.from(pair.PublicKey ?? []), "the key's public key is the pair's");
    const offline = ml_kem768.encapsulate(encapsulationKey(pair.PublicKey ?? new Uint8Array(), "2.16.840.1.101.3.4.4.2", 1184));
    const d = await h.kms.send(new DecapsulateCommand({ KeyId: keyId, SharedSecretCiphertextBlob: offline.cipherText, EncapsulationAlgorithm: "ML_KEM" }));
    assert.deepEqual(Buffer.from(d.SharedSecret ?? []), Buffer.from(offline.sharedSecret));
  });
});
