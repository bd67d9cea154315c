import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteImportedKeyMaterialCommand,
  DeriveSharedSecretCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateMacCommand,
  GetKeyRotationStatusCommand,
  GetParametersForImportCommand,
  GetPublicKeyCommand,
  ImportKeyMaterialCommand,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  type CreateKeyCommandInput,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { createHmac, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, verify } from "node:crypto";
import { describe, test } from "node:test";
import { sm2Encrypt } from "../../src/crypto/asymmetric/sm2.js";
import { SecretBytes } from "../../src/crypto/secret-bytes.js";
import { createKeyId, expectError, useTrent } from "../support/harness.js";
import { importMaterial, wrapMaterial } from "../support/key-import.js";

const DAY = 86_400_000;
const h = useTrent();

async function externalKey(input: Omit<CreateKeyCommandInput, "Origin"> = {}): Promise<string> {
  return createKeyId(h.kms, { ...input, Origin: "EXTERNAL" });
}

async function describe_(keyId: string) {
  const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  assert.ok(md);
  return md;
}

async function encrypt(keyId: string, text: string): Promise<Uint8Array> {
  return (await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(text) }))).CiphertextBlob ?? new Uint8Array();
}

async function decrypt(blob: Uint8Array) {
  const r = await h.kms.send(new DecryptCommand({ CiphertextBlob: blob }));
  return { text: Buffer.from(r.Plaintext ?? []).toString(), materialId: r.KeyMaterialId };
}

describe("keys for imported material", () => {
  test("CreateKey with Origin EXTERNAL makes a key in PendingImport without material, for every kind of key spec", async () => {
    const specs: Omit<CreateKeyCommandInput, "Origin">[] = [
      {},
      { KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" },
      { KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" },
      { KeySpec: "ECC_NIST_P384", KeyUsage: "SIGN_VERIFY" },
      { KeySpec: "SM2", KeyUsage: "ENCRYPT_DECRYPT" },
    ];
    for (const input of specs) {
      const created = await h.kms.send(new CreateKeyCommand({ ...input, Origin: "EXTERNAL" }));
      const md = created.KeyMetadata;
      assert.equal(md?.KeyState, "PendingImport");
      assert.equal(md?.Enabled, false);
      assert.equal(md?.Origin, "EXTERNAL");
      assert.equal(md?.ExpirationModel, undefined);
      assert.equal(md?.ValidTo, undefined);
      assert.equal(md?.CurrentKeyMaterialId, undefined);
      assert.deepEqual(await describe_(md?.KeyId ?? ""), md);
    }
    const keyId = await externalKey();
    await expectError(h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") })), "KMSInvalidStateException");
    const rsa = await externalKey({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" });
    await expectError(h.kms.send(new GetPublicKeyCommand({ KeyId: rsa })), "KMSInvalidStateException");
  });

  test("GetParametersForImport gives a fresh RSA wrapping key of the requested size and a token valid for 24 hours", async () => {
    const keyId = await externalKey();
    const before = Date.now();
    const a = await h.kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_3072" }));
    const b = await h.kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_3072" }));
    assert.match(a.KeyId ?? "", /^arn:aws:kms:us-east-1:111122223333:key\//);
    const pub = createPublicKey({ key: Buffer.from(a.PublicKey ?? []), format: "der", type: "spki" });
    assert.equal(pub.asymmetricKeyType, "rsa");
    assert.equal(pub.asymmetricKeyDetails?.modulusLength, 3072);
    assert.notDeepEqual(a.PublicKey, b.PublicKey);
    assert.notDeepEqual(a.ImportToken, b.ImportToken);
    const validTo = a.ParametersValidTo?.getTime() ?? 0;
    assert.ok(Math.abs(validTo - (before + DAY)) < 60_000, "ParametersValidTo is 24 hours ahead");
  });

  test("GetParametersForImport is UnsupportedOperationException for a key with AWS_KMS origin and for the withdrawn RSAES_PKCS1_V1_5", async () => {
    const generated = await createKeyId(h.kms);
    await expectError(
      h.kms.send(new GetParametersForImportCommand({ KeyId: generated, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" })),
      "UnsupportedOperationException",
    );
    await expectError(h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: generated })), "UnsupportedOperationException");
    const keyId = await externalKey();
    await expectError(
      h.kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: "RSAES_PKCS1_V1_5", WrappingKeySpec: "RSA_2048" })),
      "UnsupportedOperationException",
    );
    await expectError(
      h.kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: "SM2PKE", WrappingKeySpec: "RSA_2048" })),
      "ValidationException",
    );
  });
});

describe("importing symmetric key material", () => {
  test("an import with RSAES_OAEP_SHA_256 enables the key; Encrypt and Decrypt use the material id ImportKeyMaterial returned", async () => {
    const keyId = await externalKey();
    const validTo = new Date(Date.now() + 30 * DAY);
    const imported = await importMaterial(h.kms, keyId, randomBytes(32), { validTo });
    assert.match(imported.KeyMaterialId ?? "", /^[0-9a-f]{64}$/);
    assert.match(imported.KeyId ?? "", new RegExp(`key/${keyId}$`));
    const md = await describe_(keyId);
    assert.equal(md.KeyState, "Enabled");
    assert.equal(md.Enabled, true);
    assert.equal(md.ExpirationModel, "KEY_MATERIAL_EXPIRES");
    assert.ok(Math.abs((md.ValidTo?.getTime() ?? 0) - validTo.getTime()) < 1000, "ValidTo is the one imported");
    assert.equal(md.CurrentKeyMaterialId, imported.KeyMaterialId);
    const blob = await encrypt(keyId, "hello import");
    assert.deepEqual(await decrypt(blob), { text: "hello import", materialId: imported.KeyMaterialId });
  });

  test("every RSA wrapping algorithm and key size unwraps the same material to the same key material id", async () => {
    const material = randomBytes(32);
    const keyId = await externalKey();
    const first = await importMaterial(h.kms, keyId, material, { algorithm: "RSAES_OAEP_SHA_1" });
    const blob = await encrypt(keyId, "wrapped many ways");
    const ways = [
      { algorithm: "RSAES_OAEP_SHA_256", spec: "RSA_4096" },
      { algorithm: "RSA_AES_KEY_WRAP_SHA_1", spec: "RSA_2048" },
      { algorithm: "RSA_AES_KEY_WRAP_SHA_256", spec: "RSA_3072" },
    ] as const;
    for (const way of ways) {
      await h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId }));
      assert.equal((await describe_(keyId)).KeyState, "PendingImport");
      const again = await importMaterial(h.kms, keyId, material, way);
      assert.equal(again.KeyMaterialId, first.KeyMaterialId, `${way.algorithm} ${way.spec}`);
      assert.equal((await decrypt(blob)).text, "wrapped many ways");
    }
  });

  test("an SM2 wrapping key with SM2PKE imports material too", async () => {
    const keyId = await externalKey();
    const params = await h.kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: "SM2PKE", WrappingKeySpec: "SM2" }));
    const material = randomBytes(32);
    await h.kms.send(
      new ImportKeyMaterialCommand({
        KeyId: keyId,
        ImportToken: params.ImportToken,
        EncryptedKeyMaterial: sm2Encrypt(SecretBytes.copyOf(material), Buffer.from(params.PublicKey ?? [])),
        ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
      }),
    );
    assert.equal((await decrypt(await encrypt(keyId, "sm2 wrapped"))).text, "sm2 wrapped");
  });

  test("a token of another key, a made-up token and an edited token are InvalidImportTokenException", async () => {
    const keyId = await externalKey();
    const otherKey = await externalKey();
    const params = await h.kms.send(new GetParametersForImportCommand({ KeyId: otherKey, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" }));
    const wrapped = wrapMaterial(params.PublicKey ?? new Uint8Array(), "RSAES_OAEP_SHA_256", randomBytes(32));
    const attempt = (token: Uint8Array) =>
      h.kms.send(new ImportKeyMaterialCommand({ KeyId: keyId, ImportToken: token, EncryptedKeyMaterial: wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }));
    const token = Buffer.from(params.ImportToken ?? []);
    await expectError(attempt(token), "InvalidImportTokenException");
    await expectError(attempt(randomBytes(600)), "InvalidImportTokenException");
    for (const at of [6, 10, token.length - 1]) {
      const edited = Buffer.from(token);
      edited[at] = (edited[at] ?? 0) ^ 0x01;
      await expectError(
        h.kms.send(new ImportKeyMaterialCommand({ KeyId: otherKey, ImportToken: edited, EncryptedKeyMaterial: wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" })),
        "InvalidImportTokenException",
      );
    }
    assert.equal((await describe_(keyId)).KeyState, "PendingImport");
  });

  test("material wrapped with another algorithm than the token's is InvalidCiphertextException; 128-bit material is IncorrectKeyMaterialException", async () => {
    const keyId = await externalKey();
    const params = await h.kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" }));
    const send = (encrypted: Uint8Array) =>
      h.kms.send(new ImportKeyMaterialCommand({ KeyId: keyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: encrypted, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }));
    await expectError(send(wrapMaterial(params.PublicKey ?? new Uint8Array(), "RSAES_OAEP_SHA_1", randomBytes(32))), "InvalidCiphertextException");
    await expectError(send(randomBytes(256)), "InvalidCiphertextException");
    await expectError(send(wrapMaterial(params.PublicKey ?? new Uint8Array(), "RSAES_OAEP_SHA_256", randomBytes(16))), "IncorrectKeyMaterialException");
    // The token stays usable within its validity: the right material now imports.
    await send(wrapMaterial(params.PublicKey ?? new Uint8Array(), "RSAES_OAEP_SHA_256", randomBytes(32)));
    assert.equal((await describe_(keyId)).KeyState, "Enabled");
  });

  test("ExpirationModel and ValidTo are checked as AWS documents them", async () => {
    const keyId = await externalKey();
    const params = await h.kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" }));
    const base = {
      KeyId: keyId,
      ImportToken: params.ImportToken,
      EncryptedKeyMaterial: wrapMaterial(params.PublicKey ?? new Uint8Array(), "RSAES_OAEP_SHA_256", randomBytes(32)),
    };
    await expectError(h.kms.send(new ImportKeyMaterialCommand(base)), "ValidationException"); // default KEY_MATERIAL_EXPIRES without ValidTo
    await expectError(h.kms.send(new ImportKeyMaterialCommand({ ...base, ExpirationModel: "KEY_MATERIAL_EXPIRES" })), "ValidationException");
    await expectError(
      h.kms.send(new ImportKeyMaterialCommand({ ...base, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE", ValidTo: new Date(Date.now() + DAY) })),
      "ValidationException",
    );
    await expectError(h.kms.send(new ImportKeyMaterialCommand({ ...base, ValidTo: new Date(Date.now() - 1000) })), "ValidationException");
    await expectError(h.kms.send(new ImportKeyMaterialCommand({ ...base, ValidTo: new Date(Date.now() + 366 * DAY) })), "ValidationException");
    await h.kms.send(new ImportKeyMaterialCommand({ ...base, ValidTo: new Date(Date.now() + 365 * DAY - 60_000) }));
    assert.equal((await describe_(keyId)).ExpirationModel, "KEY_MATERIAL_EXPIRES");
  });

  test("re-importing other material is IncorrectKeyMaterialException; the same material is accepted and can drop the expiry", async () => {
    const material = randomBytes(32);
    const keyId = await externalKey();
    await importMaterial(h.kms, keyId, material, { validTo: new Date(Date.now() + 10 * DAY) });
    await expectError(importMaterial(h.kms, keyId, randomBytes(32)), "IncorrectKeyMaterialException");
    await importMaterial(h.kms, keyId, material);
    const md = await describe_(keyId);
    assert.equal(md.KeyState, "Enabled");
    assert.equal(md.ExpirationModel, "KEY_MATERIAL_DOES_NOT_EXPIRE");
    assert.equal(md.ValidTo, undefined);
  });

  test("DeleteImportedKeyMaterial makes the key PendingImport; after re-importing the same bytes earlier ciphertexts decrypt again", async () => {
    const material = randomBytes(32);
    const keyId = await externalKey();
    const imported = await importMaterial(h.kms, keyId, material);
    const blob = await encrypt(keyId, "kept across deletion");
    const deleted = await h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId }));
    assert.equal(deleted.KeyMaterialId, imported.KeyMaterialId);
    const md = await describe_(keyId);
    assert.equal(md.KeyState, "PendingImport");
    assert.equal(md.ExpirationModel, undefined);
    await expectError(h.kms.send(new DecryptCommand({ CiphertextBlob: blob })), "KMSInvalidStateException");
    await h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId })); // no effect, no error
    await expectError(importMaterial(h.kms, keyId, randomBytes(32)), "IncorrectKeyMaterialException");
    const again = await importMaterial(h.kms, keyId, material, { algorithm: "RSA_AES_KEY_WRAP_SHA_256" });
    assert.equal(again.KeyMaterialId, imported.KeyMaterialId);
    assert.deepEqual(await decrypt(blob), { text: "kept across deletion", materialId: imported.KeyMaterialId });
  });

  test("a key pending deletion keeps that state when its material is deleted, and cancelling returns it to PendingImport", async () => {
    const keyId = await externalKey();
    await importMaterial(h.kms, keyId, randomBytes(32));
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    await h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId }));
    assert.equal((await describe_(keyId)).KeyState, "PendingDeletion");
    await expectError(importMaterial(h.kms, keyId, randomBytes(32)), "KMSInvalidStateException");
    await h.kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
    assert.equal((await describe_(keyId)).KeyState, "PendingImport");
  });

  test("automatic rotation settings are UnsupportedOperationException for a key with imported material", async () => {
    const keyId = await externalKey();
    await importMaterial(h.kms, keyId, randomBytes(32));
    await expectError(h.kms.send(new EnableKeyRotationCommand({ KeyId: keyId })), "UnsupportedOperationException");
    await expectError(h.kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId })), "UnsupportedOperationException");
  });
});

describe("several imported materials in one symmetric key (ImportType NEW_KEY_MATERIAL)", () => {
  test("new material waits in PENDING_ROTATION until RotateKeyOnDemand makes it current; old ciphertexts still decrypt", async () => {
    const keyId = await externalKey();
    const first = await importMaterial(h.kms, keyId, randomBytes(32), { description: "first" });
    const old = await encrypt(keyId, "under the first material");
    await expectError(h.kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId })), "KMSInvalidStateException");
    const secondMaterial = randomBytes(32);
    const second = await importMaterial(h.kms, keyId, secondMaterial, { importType: "NEW_KEY_MATERIAL", description: "second" });
    assert.notEqual(second.KeyMaterialId, first.KeyMaterialId);
    assert.equal((await describe_(keyId)).CurrentKeyMaterialId, first.KeyMaterialId);
    assert.equal((await decrypt(await encrypt(keyId, "still first"))).materialId, first.KeyMaterialId);
    const pending = await h.kms.send(new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }));
    assert.deepEqual(
      pending.Rotations?.map((r) => [r.KeyMaterialId, r.KeyMaterialState, r.ImportState, r.KeyMaterialDescription, r.ExpirationModel]),
      [
        [first.KeyMaterialId, "CURRENT", "IMPORTED", "first", "KEY_MATERIAL_DOES_NOT_EXPIRE"],
        [second.KeyMaterialId, "PENDING_ROTATION", "IMPORTED", "second", "KEY_MATERIAL_DOES_NOT_EXPIRE"],
      ],
    );
    assert.deepEqual((await h.kms.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations, []);

    await h.kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    assert.equal((await describe_(keyId)).CurrentKeyMaterialId, second.KeyMaterialId);
    assert.equal((await decrypt(await encrypt(keyId, "now second"))).materialId, second.KeyMaterialId);
    assert.deepEqual(await decrypt(old), { text: "under the first material", materialId: first.KeyMaterialId });
    const rotations = (await h.kms.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations ?? [];
    assert.equal(rotations.length, 1);
    assert.equal(rotations[0]?.KeyMaterialId, second.KeyMaterialId);
    assert.equal(rotations[0]?.RotationType, "ON_DEMAND");
    assert.ok(rotations[0]?.RotationDate instanceof Date);

    // Deleting the NON_CURRENT material makes the key unusable until it is imported again, named by its id.
    await h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId, KeyMaterialId: first.KeyMaterialId }));
    assert.equal((await describe_(keyId)).KeyState, "PendingImport");
    const states = (await h.kms.send(new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }))).Rotations;
    assert.deepEqual(states?.map((r) => r.ImportState), ["PENDING_IMPORT", "IMPORTED"]);
    await expectError(importMaterial(h.kms, keyId, secondMaterial, { keyMaterialId: first.KeyMaterialId ?? "" }), "IncorrectKeyMaterialException");
    await expectError(h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId, KeyMaterialId: "0".repeat(64) })), "NotFoundException");
  });

  test("ImportType is refused for HMAC and asymmetric keys, which take one material only", async () => {
    const keyId = await externalKey({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
    await expectError(importMaterial(h.kms, keyId, randomBytes(32), { importType: "NEW_KEY_MATERIAL" }), "ValidationException");
  });
});

describe("importing HMAC and asymmetric key material", () => {
  test("imported HMAC material of a length the spec allows computes the same MAC as node:crypto", async () => {
    const keyId = await externalKey({ KeySpec: "HMAC_384", KeyUsage: "GENERATE_VERIFY_MAC" });
    await expectError(importMaterial(h.kms, keyId, randomBytes(47)), "IncorrectKeyMaterialException");
    const material = randomBytes(100);
    await importMaterial(h.kms, keyId, material, { algorithm: "RSA_AES_KEY_WRAP_SHA_256" });
    const mac = await h.kms.send(new GenerateMacCommand({ KeyId: keyId, MacAlgorithm: "HMAC_SHA_384", Message: Buffer.from("message") }));
    assert.deepEqual(Buffer.from(mac.Mac ?? []), createHmac("sha384", material).update("message").digest());
  });

  test("an imported RSA private key signs, and its own public key verifies; GetPublicKey returns that public key", async () => {
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyId = await externalKey({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" });
    await importMaterial(h.kms, keyId, pair.privateKey.export({ type: "pkcs8", format: "der" }), { algorithm: "RSA_AES_KEY_WRAP_SHA_256" });
    const spki = pair.publicKey.export({ type: "spki", format: "der" });
    assert.deepEqual(Buffer.from((await h.kms.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey ?? []), spki);
    const sig = await h.kms.send(new SignCommand({ KeyId: keyId, Message: Buffer.from("signed"), SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256" }));
    assert.equal(verify("sha256", Buffer.from("signed"), pair.publicKey, Buffer.from(sig.Signature ?? [])), true);
  });

  test("an RSA private key of another size, or an EC key, is IncorrectKeyMaterialException for an RSA_2048 key", async () => {
    const keyId = await externalKey({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" });
    const rsa3072 = generateKeyPairSync("rsa", { modulusLength: 3072 }).privateKey.export({ type: "pkcs8", format: "der" });
    const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "der" });
    await expectError(importMaterial(h.kms, keyId, rsa3072, { algorithm: "RSA_AES_KEY_WRAP_SHA_256" }), "IncorrectKeyMaterialException");
    await expectError(importMaterial(h.kms, keyId, ec, { algorithm: "RSA_AES_KEY_WRAP_SHA_256" }), "IncorrectKeyMaterialException");
    assert.equal((await describe_(keyId)).KeyState, "PendingImport");
  });

  test("an imported P-256 key wrapped directly with RSAES_OAEP_SHA_256 signs and derives the same ECDH secret as its owner", async () => {
    const signer = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const signKey = await externalKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    await importMaterial(h.kms, signKey, signer.privateKey.export({ type: "pkcs8", format: "der" }));
    const sig = await h.kms.send(new SignCommand({ KeyId: signKey, Message: Buffer.from("ec"), SigningAlgorithm: "ECDSA_SHA_256" }));
    assert.equal(verify("sha256", Buffer.from("ec"), signer.publicKey, Buffer.from(sig.Signature ?? [])), true);

    const agreement = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const agreeKey = await externalKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "KEY_AGREEMENT" });
    await importMaterial(h.kms, agreeKey, agreement.privateKey.export({ type: "pkcs8", format: "der" }));
    const peer = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const shared = await h.kms.send(
      new DeriveSharedSecretCommand({
        KeyId: agreeKey,
        KeyAgreementAlgorithm: "ECDH",
        PublicKey: peer.publicKey.export({ type: "spki", format: "der" }),
      }),
    );
    assert.deepEqual(Buffer.from(shared.SharedSecret ?? []), diffieHellman({ privateKey: peer.privateKey, publicKey: agreement.publicKey }));
  });
});
