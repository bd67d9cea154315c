/**
 * No secret reaches a log line, an audit record or the metrics: marker plaintexts and messages
 * go through every operation that carries one, secrets the service returns (data keys, private
 * keys, random bytes, shared secrets, decrypted plaintext) and a user's secret access key are
 * collected, and every log line (at trace level), every audit file and /metrics are searched for
 * each of them raw, in hex and in base64 at every byte alignment.
 */
import {
  CreateKeyCommand,
  DecryptCommand,
  DeriveSharedSecretCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetPublicKeyCommand,
  ListKeysCommand,
  ReEncryptCommand,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
  type CreateKeyCommandInput,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Identities } from "../../src/service/identities.js";
import { DEV_ACCOUNT, expectError, useTrent } from "../support/harness.js";

const lines: string[] = [];
/** Every secret that went in or came out, by a name for the failure message. */
const secrets = new Map<string, Buffer>();

const h = useTrent({ log: (l) => void lines.push(JSON.stringify(l)) }, { TRENT_LOG_LEVEL: "trace" });

/** A fresh marker plaintext, remembered as a secret. */
function marker(name: string): Buffer {
  const b = Buffer.from(`MARKER-${name}-${randomBytes(12).toString("hex")}`, "utf8");
  secrets.set(name, b);
  return b;
}

function keep(name: string, value: Uint8Array | undefined): void {
  assert.ok(value !== undefined && value.length > 0, `${name} was returned`);
  secrets.set(name, Buffer.from(value));
}

/** Forms a secret can take in text: raw (if text), hex, and the stable middle of its base64 at each alignment. */
function encodings(b: Buffer): string[] {
  const out = [b.toString("hex"), b.toString("hex").toUpperCase()];
  const text = b.toString("utf8");
  if (/^[\x20-\x7e]+$/.test(text)) out.push(text);
  for (let k = 0; k < 3; k++) {
    for (const enc of ["base64", "base64url"] as const) {
      const s = Buffer.concat([Buffer.alloc(k), b]).toString(enc);
      const core = s.slice(k === 0 ? 0 : 4, s.length - 4);
      if (core.length >= 12) out.push(core);
    }
  }
  return out;
}

function assertNoSecretIn(where: string, text: string): void {
  for (const [name, b] of secrets) {
    for (const form of encodings(b)) {
      assert.ok(!text.includes(form), `${name} (${form.slice(0, 16)}...) appears in ${where}`);
    }
  }
}

async function keyOf(spec: CreateKeyCommandInput = {}): Promise<string> {
  const r = await h.kms.send(new CreateKeyCommand(spec));
  return r.KeyMetadata?.KeyId ?? "";
}

describe("no secret in logs, audit records or metrics", () => {
  test("every operation that carries or returns a secret is called, successfully and unsuccessfully", async () => {
    const sym = await keyOf();
    const sym2 = await keyOf();

    const enc = await h.kms.send(new EncryptCommand({ KeyId: sym, Plaintext: marker("encrypt-plaintext") }));
    const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    keep("decrypted", dec.Plaintext);
    await h.kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: sym2 }));

    const dk = await h.kms.send(new GenerateDataKeyCommand({ KeyId: sym, KeySpec: "AES_256" }));
    keep("data-key", dk.Plaintext);
    await h.kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }));
    await h.kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: sym, NumberOfBytes: 48 }));
    keep("random", (await h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 64 }))).Plaintext);

    const pair = await h.kms.send(new GenerateDataKeyPairCommand({ KeyId: sym, KeyPairSpec: "ECC_NIST_P256" }));
    keep("data-key-pair-private", pair.PrivateKeyPlaintext);
    const pairNoPt = await h.kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: sym, KeyPairSpec: "RSA_2048" }));
    const pairPrivate = await h.kms.send(new DecryptCommand({ CiphertextBlob: pairNoPt.PrivateKeyCiphertextBlob }));
    keep("data-key-pair-private-decrypted", pairPrivate.Plaintext);

    const rsa = await keyOf({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" });
    const rsaCt = await h.kms.send(new EncryptCommand({ KeyId: rsa, Plaintext: marker("rsa-plaintext"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }));
    keep("rsa-decrypted", (await h.kms.send(new DecryptCommand({ KeyId: rsa, CiphertextBlob: rsaCt.CiphertextBlob, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }))).Plaintext);

    const signer = await keyOf({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    const message = marker("sign-message");
    const sig = await h.kms.send(new SignCommand({ KeyId: signer, Message: message, SigningAlgorithm: "ECDSA_SHA_256" }));
    await h.kms.send(new VerifyCommand({ KeyId: signer, Message: message, Signature: sig.Signature, SigningAlgorithm: "ECDSA_SHA_256" }));

    const mac = await keyOf({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
    const macMessage = marker("mac-message");
    const tag = await h.kms.send(new GenerateMacCommand({ KeyId: mac, Message: macMessage, MacAlgorithm: "HMAC_SHA_256" }));
    await h.kms.send(new VerifyMacCommand({ KeyId: mac, Message: macMessage, Mac: tag.Mac, MacAlgorithm: "HMAC_SHA_256" }));

    const agreement = await keyOf({ KeySpec: "ECC_NIST_P256", KeyUsage: "KEY_AGREEMENT" });
    await h.kms.send(new GetPublicKeyCommand({ KeyId: agreement }));
    const peer = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ type: "spki", format: "der" });
    const shared = await h.kms.send(new DeriveSharedSecretCommand({ KeyId: agreement, KeyAgreementAlgorithm: "ECDH", PublicKey: peer }));
    keep("shared-secret", shared.SharedSecret);

    // Failures with a secret in the request.
    await expectError(h.kms.send(new EncryptCommand({ KeyId: sym, Plaintext: Buffer.concat([marker("too-long"), Buffer.alloc(4096)]) })), "ValidationException");
    await expectError(h.kms.send(new DecryptCommand({ CiphertextBlob: Buffer.concat([Buffer.from([1]), marker("bad-ciphertext")]) })), "InvalidCiphertextException");
    await expectError(h.kms.send(new SignCommand({ KeyId: sym, Message: marker("wrong-usage-message"), SigningAlgorithm: "ECDSA_SHA_256" })), "InvalidKeyUsageException");
    await h.kms.send(new DisableKeyCommand({ KeyId: sym2 }));
    await expectError(h.kms.send(new EncryptCommand({ KeyId: sym2, Plaintext: marker("disabled-key-plaintext") })), "DisabledException");

    // A principal's secret access key: created, used, denied.
    const ids = new Identities(h.trent.store, h.trent.keystore);
    const user = await ids.createPrincipal(DEV_ACCOUNT, "IAMUser", "no-secrets");
    const ak = await ids.createAccessKey(user.arn);
    secrets.set("secret-access-key", Buffer.from(ak.secretAccessKey, "utf8"));
    const asUser = h.client({ accessKeyId: ak.accessKeyId, secretAccessKey: ak.secretAccessKey });
    await asUser.send(new ListKeysCommand({})).catch(() => undefined);
    const wrong = `wrong-${randomBytes(16).toString("hex")}`;
    secrets.set("wrong-secret-access-key", Buffer.from(wrong, "utf8"));
    await h.client({ accessKeyId: ak.accessKeyId, secretAccessKey: wrong }).send(new ListKeysCommand({})).catch(() => undefined);
    assert.ok(secrets.size >= 15);
  });

  test("no log line holds any of the secrets, and the log did record the calls", async () => {
    assert.ok(lines.length > 20, `expected request lines at trace level, got ${lines.length}`);
    assert.ok(lines.some((l) => l.includes('"operation":"Encrypt"')));
    for (const l of lines) assertNoSecretIn(`log line ${l.slice(0, 200)}`, l);
  });

  test("/metrics holds none of the secrets", async () => {
    assertNoSecretIn("/metrics", await (await fetch(`${h.endpoint}/metrics`)).text());
  });

  test("no audit record holds any of the secrets, and the audit log did record the calls", async () => {
    await h.trent.stop(); // flushes the audit log
    const dir = join(h.dataDir, "audit");
    const text = readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
    for (const op of ["Encrypt", "Decrypt", "GenerateDataKeyPair", "DeriveSharedSecret", "GenerateMac", "Sign"]) {
      assert.ok(text.includes(`"eventName":"${op}"`), `${op} is on the audit log`);
    }
    for (const line of text.split("\n")) assertNoSecretIn(`audit line ${line.slice(0, 200)}`, line);
  });
});
