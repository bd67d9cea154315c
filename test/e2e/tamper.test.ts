import { CreateKeyCommand, DecryptCommand, EncryptCommand } from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectError, setup, useTrent } from "../support/harness.js";

// Every tampered ciphertext must give the same InvalidCiphertextException: no oracle that tells
// a flipped header byte from a flipped tag byte or a truncated body.

const h = useTrent();
let keyId = "";
let blob: Uint8Array = new Uint8Array(0);

const PLAINTEXT = Buffer.from("tamper-evident plaintext: 64 bytes of test data, nothing secret.", "utf8");
const EC: Record<string, string> = { tenant: "acme", purpose: "tamper", "é": "ü" };
const IN_FLIGHT = 16;

/** Runs `fn` over `items` with at most `limit` calls pending; returns the results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
  return out;
}

interface Outcome {
  /** The error name, or "OK" when Decrypt succeeded. */
  readonly name: string;
  readonly message: string;
  readonly status: number | undefined;
}

/** What a Decrypt gives. Never holds the plaintext. */
async function decryptOutcome(ciphertext: Uint8Array, ec: Record<string, string> | undefined): Promise<Outcome> {
  try {
    await h.kms.send(new DecryptCommand({ CiphertextBlob: ciphertext, ...(ec === undefined ? {} : { EncryptionContext: ec }) }));
    return { name: "OK", message: "", status: 200 };
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
}

/** Describes the cases whose outcome was not InvalidCiphertextException. */
function unexpected(labels: readonly string[], outcomes: readonly Outcome[]): string[] {
  const bad: string[] = [];
  outcomes.forEach((o, i) => {
    if (o.name !== "InvalidCiphertextException") bad.push(`${labels[i] ?? i}: ${o.name}`);
  });
  return bad;
}

/** The distinct (status, message) pairs: one means the failures cannot be told apart. */
function distinct(outcomes: readonly Outcome[]): string[] {
  return [...new Set(outcomes.map((o) => `${o.status} ${o.message}`))];
}

setup(async () => {
  const created = await h.kms.send(new CreateKeyCommand({ Description: "tamper test" }));
  keyId = created.KeyMetadata?.KeyId ?? "";
  const enc = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: PLAINTEXT, EncryptionContext: EC }));
  blob = enc.CiphertextBlob ?? new Uint8Array(0);
});

describe("Decrypt of tampered ciphertexts", () => {
  test("the untouched ciphertext decrypts with its encryption context (in any order)", async () => {
    assert.ok(blob.length > PLAINTEXT.length);
    const r = await h.kms.send(
      new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { "é": "ü", purpose: "tamper", tenant: "acme" } }),
    );
    assert.ok(Buffer.from(r.Plaintext ?? []).equals(PLAINTEXT), "decrypted bytes differ from the plaintext");
  });

  test("a one-bit change at every byte position gives InvalidCiphertextException", async () => {
    const positions = Array.from({ length: blob.length }, (_, i) => i);
    const outcomes = await mapLimit(positions, IN_FLIGHT, (pos) => {
      const t = Uint8Array.from(blob);
      t[pos] = (t[pos] ?? 0) ^ (1 << (pos % 8)); // walk the bit with the position, so every bit index is used
      return decryptOutcome(t, EC);
    });
    assert.equal(outcomes.length, blob.length);
    assert.deepEqual(unexpected(positions.map((p) => `byte ${p} bit ${p % 8}`), outcomes), []);
    assert.equal(distinct(outcomes).length, 1, "the failures differ in status or message (an oracle)");
    assert.equal(outcomes[0]?.status, 400);
  });

  test("every truncation to 1..n-1 bytes gives InvalidCiphertextException", async () => {
    const lengths = Array.from({ length: blob.length - 1 }, (_, i) => i + 1);
    const outcomes = await mapLimit(lengths, IN_FLIGHT, (len) => decryptOutcome(blob.subarray(0, len), EC));
    assert.deepEqual(unexpected(lengths.map((l) => `length ${l}`), outcomes), []);
    assert.equal(distinct(outcomes).length, 1, "the failures differ in status or message (an oracle)");
  });

  test("an empty ciphertext blob is refused by validation (ValidationException), before any crypto", async () => {
    await expectError(h.kms.send(new DecryptCommand({ CiphertextBlob: new Uint8Array(0), EncryptionContext: EC })), "ValidationException");
  });

  test("an appended byte gives InvalidCiphertextException", async () => {
    const outcomes = await mapLimit([0x00, 0x01, 0xff], IN_FLIGHT, (b) => decryptOutcome(Buffer.concat([blob, Buffer.of(b)]), EC));
    assert.deepEqual(unexpected(["0x00", "0x01", "0xff"], outcomes), []);
  });

  test("a changed, missing or extra encryption-context pair gives InvalidCiphertextException", async () => {
    const cases: [string, Record<string, string> | undefined][] = [
      ["no context", undefined],
      ["empty context", {}],
      ["changed value", { ...EC, tenant: "acmf" }],
      ["value changed in case", { ...EC, tenant: "ACME" }],
      ["empty value", { ...EC, tenant: "" }],
      ["renamed key", { tenant: "acme", purpose: "tamper", e: "ü" }],
      ["key changed in case", { Tenant: "acme", purpose: "tamper", "é": "ü" }],
      ["missing pair", { tenant: "acme", purpose: "tamper" }],
      ["extra pair", { ...EC, extra: "1" }],
      ["extra pair with empty value", { ...EC, extra: "" }],
      ["key/value boundary moved", { tenan: "tacme", purpose: "tamper", "é": "ü" }],
      ["decomposed é", { tenant: "acme", purpose: "tamper", "e\u0301": "ü" }],
    ];
    const outcomes = await mapLimit(cases, IN_FLIGHT, ([, ec]) => decryptOutcome(blob, ec));
    assert.deepEqual(unexpected(cases.map(([label]) => label), outcomes), []);
    assert.equal(distinct(outcomes).length, 1, "the failures differ in status or message (an oracle)");
  });

  test("after all the tampering the original ciphertext still decrypts", async () => {
    assert.equal((await decryptOutcome(blob, EC)).name, "OK");
  });
});
