import {
  DecryptCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createKeyRef, expectError, useTrent } from "../support/harness.js";

const h = useTrent();

describe("Encrypt and Decrypt", () => {
  test("a ciphertext decrypts to the plaintext, and Decrypt finds the key from the blob", async () => {
    const { keyId, arn } = await createKeyRef(h.kms);
    const plaintext = Buffer.from("attack at dawn");
    const enc = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }));
    assert.equal(enc.KeyId, arn);
    assert.equal(enc.EncryptionAlgorithm, "SYMMETRIC_DEFAULT");
    assert.ok(enc.CiphertextBlob && enc.CiphertextBlob.length > plaintext.length);
    const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    assert.deepEqual(Buffer.from(dec.Plaintext ?? []), plaintext);
    assert.equal(dec.KeyId, arn);
    assert.equal(dec.EncryptionAlgorithm, "SYMMETRIC_DEFAULT");
  });

  test("the encryption context must match, in any order", async () => {
    const { keyId } = await createKeyRef(h.kms);
    const enc = await h.kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x"), EncryptionContext: { a: "1", b: "2", "é": "ü" } }),
    );
    const dec = await h.kms.send(
      new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { "é": "ü", b: "2", a: "1" } }),
    );
    assert.equal(Buffer.from(dec.Plaintext ?? []).toString(), "x");
    await expectError(h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })), "InvalidCiphertextException");
    await expectError(
      h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: "1", b: "3", "é": "ü" } })),
      "InvalidCiphertextException",
    );
  });

  test("Decrypt with a KeyId that names another key raises IncorrectKeyException", async () => {
    const a = await createKeyRef(h.kms);
    const b = await createKeyRef(h.kms);
    const enc = await h.kms.send(new EncryptCommand({ KeyId: a.keyId, Plaintext: Buffer.from("x") }));
    await expectError(h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: b.keyId })), "IncorrectKeyException");
    const ok = await h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: a.arn }));
    assert.equal(Buffer.from(ok.Plaintext ?? []).toString(), "x");
  });

  test("a disabled key neither encrypts nor decrypts", async () => {
    const { keyId } = await createKeyRef(h.kms);
    const enc = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") }));
    await h.kms.send(new DisableKeyCommand({ KeyId: keyId }));
    await expectError(h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") })), "DisabledException");
    await expectError(h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })), "DisabledException");
  });

  test("a key pending deletion cannot be used", async () => {
    const { keyId } = await createKeyRef(h.kms);
    const enc = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") }));
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    await expectError(h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") })), "KMSInvalidStateException");
    await expectError(h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })), "KMSInvalidStateException");
  });

  test("plaintext over 4096 bytes is a ValidationException that does not quote the plaintext", async () => {
    const { keyId } = await createKeyRef(h.kms);
    const marker = "MARKER-PLAINTEXT-".repeat(300);
    const err = await expectError(
      h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(marker) })),
      "ValidationException",
    );
    assert.match(err.message, /^1 validation error detected: .*'plaintext'.*less than or equal to 4096/);
    assert.ok(!err.message.includes("MARKER"));
  });

  test("an unknown key id is NotFoundException naming the key ARN", async () => {
    const err = await expectError(
      h.kms.send(new EncryptCommand({ KeyId: "00000000-0000-4000-8000-000000000000", Plaintext: Buffer.from("x") })),
      "NotFoundException",
    );
    assert.match(err.message, /arn:aws:kms:us-east-1:111122223333:key\/00000000-0000-4000-8000-000000000000/);
  });

  test("a ciphertext from another region does not decrypt there", async () => {
    const { keyId } = await createKeyRef(h.kms);
    const enc = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") }));
    const west = h.client({ region: "us-west-2" });
    await expectError(west.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })), "InvalidCiphertextException");
  });
});

describe("GenerateDataKey", () => {
  test("returns a data key and its ciphertext, which Decrypt opens to the same key", async () => {
    const { keyId, arn } = await createKeyRef(h.kms);
    const r = await h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256", EncryptionContext: { t: "1" } }));
    assert.equal(r.Plaintext?.length, 32);
    assert.equal(r.KeyId, arn);
    const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: r.CiphertextBlob, EncryptionContext: { t: "1" } }));
    assert.deepEqual(Buffer.from(dec.Plaintext ?? []), Buffer.from(r.Plaintext ?? []));
  });

  test("AES_128 gives 16 bytes and NumberOfBytes gives that many", async () => {
    const { keyId } = await createKeyRef(h.kms);
    const a = await h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_128" }));
    assert.equal(a.Plaintext?.length, 16);
    const b = await h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 1024 }));
    assert.equal(b.Plaintext?.length, 1024);
  });

  test("neither or both of KeySpec and NumberOfBytes is a ValidationException", async () => {
    const { keyId } = await createKeyRef(h.kms);
    await expectError(h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId })), "ValidationException");
    await expectError(
      h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256", NumberOfBytes: 32 })),
      "ValidationException",
    );
  });

  test("WithoutPlaintext returns only a ciphertext that Decrypt opens", async () => {
    const { keyId } = await createKeyRef(h.kms);
    const r = await h.kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: "AES_256" }));
    assert.equal((r as { Plaintext?: unknown }).Plaintext, undefined);
    const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: r.CiphertextBlob }));
    assert.equal(dec.Plaintext?.length, 32);
  });
});

describe("ReEncrypt", () => {
  test("moves a ciphertext to another key and context without revealing the plaintext", async () => {
    const a = await createKeyRef(h.kms);
    const b = await createKeyRef(h.kms);
    const enc = await h.kms.send(new EncryptCommand({ KeyId: a.keyId, Plaintext: Buffer.from("move me"), EncryptionContext: { s: "1" } }));
    const re = await h.kms.send(
      new ReEncryptCommand({
        CiphertextBlob: enc.CiphertextBlob,
        SourceEncryptionContext: { s: "1" },
        DestinationKeyId: b.keyId,
        DestinationEncryptionContext: { d: "2" },
      }),
    );
    assert.equal(re.SourceKeyId, a.arn);
    assert.equal(re.KeyId, b.arn);
    assert.equal((re as { Plaintext?: unknown }).Plaintext, undefined);
    const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob, EncryptionContext: { d: "2" } }));
    assert.equal(Buffer.from(dec.Plaintext ?? []).toString(), "move me");
    assert.equal(dec.KeyId, b.arn);
  });

  test("a wrong source encryption context is InvalidCiphertextException", async () => {
    const a = await createKeyRef(h.kms);
    const enc = await h.kms.send(new EncryptCommand({ KeyId: a.keyId, Plaintext: Buffer.from("x"), EncryptionContext: { s: "1" } }));
    await expectError(
      h.kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: a.keyId })),
      "InvalidCiphertextException",
    );
  });
});

describe("GenerateRandom", () => {
  test("returns the requested number of random bytes, different each time", async () => {
    const a = await h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 64 }));
    const b = await h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 64 }));
    assert.equal(a.Plaintext?.length, 64);
    assert.notDeepEqual(Buffer.from(a.Plaintext ?? []), Buffer.from(b.Plaintext ?? []));
  });

  test("0 and 1025 bytes are ValidationExceptions", async () => {
    await expectError(h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 0 })), "ValidationException");
    await expectError(h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 1025 })), "ValidationException");
  });
});
