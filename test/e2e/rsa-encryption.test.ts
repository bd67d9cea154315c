import {
  DecryptCommand,
  EncryptCommand,
  ReEncryptCommand,
  type EncryptionAlgorithmSpec,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { constants, createPublicKey, publicEncrypt } from "node:crypto";
import { describe, test } from "node:test";
import { createKeyRef, expectError, setup, useTrent, type KeyRef } from "../support/harness.js";
import { createKeysWithPublicPem, openssl, useTempDir, type KeyWithPublicPem } from "../support/openssl.js";

/**
 * Encrypt, Decrypt and ReEncrypt with ENCRYPT_DECRYPT asymmetric keys. The ciphertext is plain
 * RSA-OAEP (MGF1 with the OAEP hash, empty label): `openssl pkeyutl -encrypt` with the public
 * key from GetPublicKey makes ciphertexts Trent's Decrypt accepts.
 */
const RSA = [
  { spec: "RSA_2048", bytes: 256, max: { RSAES_OAEP_SHA_1: 214, RSAES_OAEP_SHA_256: 190 } },
  { spec: "RSA_3072", bytes: 384, max: { RSAES_OAEP_SHA_1: 342, RSAES_OAEP_SHA_256: 318 } },
  { spec: "RSA_4096", bytes: 512, max: { RSAES_OAEP_SHA_1: 470, RSAES_OAEP_SHA_256: 446 } },
] as const;
const ALGS = [
  { alg: "RSAES_OAEP_SHA_1", md: "sha1" },
  { alg: "RSAES_OAEP_SHA_256", md: "sha256" },
] as const;

const h = useTrent();
const dir = useTempDir();
let key: (spec: string) => KeyWithPublicPem;
let symmetric: KeyRef;

setup(async () => {
  key = await createKeysWithPublicPem(h.kms, dir, [...RSA.map((r) => r.spec), "SM2"], "ENCRYPT_DECRYPT");
  symmetric = await createKeyRef(h.kms);
});

async function decrypt(spec: string, alg: EncryptionAlgorithmSpec, ciphertext: Uint8Array): Promise<Buffer> {
  const r = await h.kms.send(new DecryptCommand({ CiphertextBlob: ciphertext, KeyId: key(spec).keyId, EncryptionAlgorithm: alg }));
  assert.equal(r.KeyId, key(spec).arn);
  assert.equal(r.EncryptionAlgorithm, alg);
  return Buffer.from(r.Plaintext ?? []);
}

describe("RSA Encrypt and Decrypt", () => {
  for (const { spec, bytes, max } of RSA) {
    for (const { alg, md } of ALGS) {
      test(`${spec} ${alg}: a ciphertext is ${bytes} bytes of RSA-OAEP and decrypts, up to ${max[alg]} bytes of plaintext`, async () => {
        for (const plaintext of [Buffer.from("x"), Buffer.alloc(max[alg], 0xa5)]) {
          const enc = await h.kms.send(new EncryptCommand({ KeyId: key(spec).keyId, Plaintext: plaintext, EncryptionAlgorithm: alg }));
          assert.equal(enc.KeyId, key(spec).arn);
          assert.equal(enc.EncryptionAlgorithm, alg);
          assert.equal(enc.CiphertextBlob?.length, bytes);
          assert.deepEqual(await decrypt(spec, alg, enc.CiphertextBlob ?? new Uint8Array()), plaintext);
        }
        const err = await expectError(
          h.kms.send(new EncryptCommand({ KeyId: key(spec).keyId, Plaintext: Buffer.alloc(max[alg] + 1), EncryptionAlgorithm: alg })),
          "ValidationException",
        );
        assert.equal(err.message, `Algorithm ${alg} and key spec ${spec} cannot encrypt data larger than ${max[alg]} bytes.`);
      });

      test(`${spec} ${alg}: openssl pkeyutl -encrypt with the public key makes a ciphertext Trent decrypts`, async () => {
        const plaintext = Buffer.from(`offline ${spec} ${alg}`);
        const ptPath = await dir.write(`${spec}-${alg}.pt`, plaintext);
        const ctPath = dir.file(`${spec}-${alg}.ct`);
        const r = await openssl([
          "pkeyutl", "-encrypt", "-pubin", "-inkey", key(spec).pubPem, "-in", ptPath, "-out", ctPath,
          "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", `rsa_oaep_md:${md}`, "-pkeyopt", `rsa_mgf1_md:${md}`,
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(await decrypt(spec, alg, await dir.read(`${spec}-${alg}.ct`)), plaintext);
      });
    }
  }

  test("node's publicEncrypt with OAEP SHA-256 (what any client library does) also decrypts", async () => {
    const ct = publicEncrypt(
      {
        key: createPublicKey({ key: key("RSA_2048").spki, format: "der", type: "spki" }),
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: "sha256",
      },
      Buffer.from("from node"),
    );
    assert.equal((await decrypt("RSA_2048", "RSAES_OAEP_SHA_256", ct)).toString(), "from node");
  });
});

describe("SM2PKE", () => {
  test("SM2 Encrypt and Decrypt round-trip, and openssl pkeyutl -encrypt ciphertexts decrypt", async () => {
    const plaintext = Buffer.from("SM2 public key encryption");
    const enc = await h.kms.send(new EncryptCommand({ KeyId: key("SM2").keyId, Plaintext: plaintext, EncryptionAlgorithm: "SM2PKE" }));
    assert.equal(enc.EncryptionAlgorithm, "SM2PKE");
    assert.deepEqual(await decrypt("SM2", "SM2PKE", enc.CiphertextBlob ?? new Uint8Array()), plaintext);
    const ptPath = await dir.write("sm2.pt", plaintext);
    const r = await openssl(["pkeyutl", "-encrypt", "-pubin", "-inkey", key("SM2").pubPem, "-in", ptPath, "-out", dir.file("sm2.ct")]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await decrypt("SM2", "SM2PKE", await dir.read("sm2.ct")), plaintext);
  });

  test("SM2PKE plaintext is limited to 1024 bytes", async () => {
    const err = await expectError(
      h.kms.send(new EncryptCommand({ KeyId: key("SM2").keyId, Plaintext: Buffer.alloc(1025), EncryptionAlgorithm: "SM2PKE" })),
      "ValidationException",
    );
    assert.equal(err.message, "Algorithm SM2PKE and key spec SM2 cannot encrypt data larger than 1024 bytes.");
  });
});

describe("asymmetric encryption errors", () => {
  test("Encrypt without EncryptionAlgorithm (SYMMETRIC_DEFAULT) is InvalidKeyUsageException in AWS's words", async () => {
    const err = await expectError(h.kms.send(new EncryptCommand({ KeyId: key("RSA_4096").keyId, Plaintext: Buffer.from("x") })), "InvalidKeyUsageException");
    assert.equal(err.message, "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_4096.");
    await expectError(
      h.kms.send(new EncryptCommand({ KeyId: key("RSA_2048").keyId, Plaintext: Buffer.from("x"), EncryptionAlgorithm: "SM2PKE" })),
      "InvalidKeyUsageException",
    );
    await expectError(
      h.kms.send(new EncryptCommand({ KeyId: symmetric.keyId, Plaintext: Buffer.from("x"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256" })),
      "InvalidKeyUsageException",
    );
  });

  test("an encryption context with an asymmetric key is a ValidationException, in Encrypt and Decrypt", async () => {
    const ec = { purpose: "test" };
    const err = await expectError(
      h.kms.send(new EncryptCommand({ KeyId: key("RSA_2048").keyId, Plaintext: Buffer.from("x"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256", EncryptionContext: ec })),
      "ValidationException",
    );
    assert.equal(err.message, "EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs.");
    const enc = await h.kms.send(new EncryptCommand({ KeyId: key("RSA_2048").keyId, Plaintext: Buffer.from("x"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }));
    await expectError(
      h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: key("RSA_2048").keyId, EncryptionAlgorithm: "RSAES_OAEP_SHA_256", EncryptionContext: ec })),
      "ValidationException",
    );
  });

  test("Decrypt of an RSA ciphertext needs KeyId and EncryptionAlgorithm; a wrong one is InvalidCiphertextException", async () => {
    const { keyId } = key("RSA_3072");
    const enc = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }));
    const blob = enc.CiphertextBlob;
    await expectError(h.kms.send(new DecryptCommand({ CiphertextBlob: blob })), "InvalidCiphertextException");
    await expectError(h.kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: keyId })), "InvalidCiphertextException");
    await expectError(h.kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" })), "InvalidCiphertextException");
    await expectError(
      h.kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: keyId, EncryptionAlgorithm: "RSAES_OAEP_SHA_1" })),
      "InvalidCiphertextException",
    );
    await expectError(
      h.kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: key("RSA_4096").keyId, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" })),
      "InvalidCiphertextException",
    );
    const tampered = Buffer.from(blob ?? []);
    tampered[10] = (tampered[10] ?? 0) ^ 1;
    await expectError(
      h.kms.send(new DecryptCommand({ CiphertextBlob: tampered, KeyId: keyId, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" })),
      "InvalidCiphertextException",
    );
    const ok = await h.kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: keyId, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }));
    assert.equal(Buffer.from(ok.Plaintext ?? []).toString(), "x");
    assert.equal(ok.KeyMaterialId, undefined, "KeyMaterialId is reported for symmetric keys only");
  });

  test("Decrypt with an asymmetric algorithm and a symmetric KeyId is InvalidKeyUsageException", async () => {
    await expectError(
      h.kms.send(new DecryptCommand({ CiphertextBlob: Buffer.alloc(256, 1), KeyId: symmetric.keyId, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" })),
      "InvalidKeyUsageException",
    );
  });
});

describe("ReEncrypt between symmetric and RSA keys", () => {
  test("symmetric -> RSA -> symmetric keeps the plaintext and reports each side's algorithm and key material", async () => {
    const plaintext = Buffer.from("moves between key types");
    const ec = { app: "trent" };
    const first = await h.kms.send(new EncryptCommand({ KeyId: symmetric.keyId, Plaintext: plaintext, EncryptionContext: ec }));

    const toRsa = await h.kms.send(
      new ReEncryptCommand({
        CiphertextBlob: first.CiphertextBlob,
        SourceEncryptionContext: ec,
        DestinationKeyId: key("RSA_2048").keyId,
        DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_256",
      }),
    );
    assert.equal(toRsa.SourceKeyId, symmetric.arn);
    assert.equal(toRsa.KeyId, key("RSA_2048").arn);
    assert.equal(toRsa.SourceEncryptionAlgorithm, "SYMMETRIC_DEFAULT");
    assert.equal(toRsa.DestinationEncryptionAlgorithm, "RSAES_OAEP_SHA_256");
    assert.ok(toRsa.SourceKeyMaterialId);
    assert.equal(toRsa.DestinationKeyMaterialId, undefined);
    assert.equal(toRsa.CiphertextBlob?.length, 256);
    assert.deepEqual(await decrypt("RSA_2048", "RSAES_OAEP_SHA_256", toRsa.CiphertextBlob ?? new Uint8Array()), plaintext);

    const back = await h.kms.send(
      new ReEncryptCommand({
        CiphertextBlob: toRsa.CiphertextBlob,
        SourceKeyId: key("RSA_2048").keyId,
        SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_256",
        DestinationKeyId: symmetric.keyId,
        DestinationEncryptionContext: { app: "again" },
      }),
    );
    assert.equal(back.SourceKeyId, key("RSA_2048").arn);
    assert.equal(back.SourceEncryptionAlgorithm, "RSAES_OAEP_SHA_256");
    assert.equal(back.DestinationEncryptionAlgorithm, "SYMMETRIC_DEFAULT");
    assert.equal(back.SourceKeyMaterialId, undefined);
    assert.ok(back.DestinationKeyMaterialId);
    const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: back.CiphertextBlob, EncryptionContext: { app: "again" } }));
    assert.deepEqual(Buffer.from(dec.Plaintext ?? []), plaintext);
  });

  test("RSA -> RSA with different algorithms, and the errors of the asymmetric sides", async () => {
    const enc = await h.kms.send(new EncryptCommand({ KeyId: key("RSA_3072").keyId, Plaintext: Buffer.from("rsa to rsa"), EncryptionAlgorithm: "RSAES_OAEP_SHA_1" }));
    const source = { CiphertextBlob: enc.CiphertextBlob, SourceKeyId: key("RSA_3072").keyId, SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_1" } as const;
    const r = await h.kms.send(
      new ReEncryptCommand({ ...source, DestinationKeyId: key("RSA_4096").keyId, DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_256" }),
    );
    assert.equal((await decrypt("RSA_4096", "RSAES_OAEP_SHA_256", r.CiphertextBlob ?? new Uint8Array())).toString(), "rsa to rsa");
    // Without the source algorithm the RSA ciphertext is read as a symmetric blob: not one.
    await expectError(
      h.kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, SourceKeyId: key("RSA_3072").keyId, DestinationKeyId: symmetric.keyId })),
      "InvalidCiphertextException",
    );
    // Without a destination algorithm the RSA destination is asked for SYMMETRIC_DEFAULT.
    await expectError(h.kms.send(new ReEncryptCommand({ ...source, DestinationKeyId: key("RSA_2048").keyId })), "InvalidKeyUsageException");
    // A destination encryption context with an RSA destination.
    await expectError(
      h.kms.send(
        new ReEncryptCommand({
          ...source,
          DestinationKeyId: key("RSA_2048").keyId,
          DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_1",
          DestinationEncryptionContext: { a: "b" },
        }),
      ),
      "ValidationException",
    );
  });

  test("a plaintext too long for the RSA destination is the same ValidationException as Encrypt's", async () => {
    const first = await h.kms.send(new EncryptCommand({ KeyId: symmetric.keyId, Plaintext: Buffer.alloc(300, 1) }));
    const err = await expectError(
      h.kms.send(new ReEncryptCommand({ CiphertextBlob: first.CiphertextBlob, DestinationKeyId: key("RSA_2048").keyId, DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_1" })),
      "ValidationException",
    );
    assert.equal(err.message, "Algorithm RSAES_OAEP_SHA_1 and key spec RSA_2048 cannot encrypt data larger than 214 bytes.");
  });
});
