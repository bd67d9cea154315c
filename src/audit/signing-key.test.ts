import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { SoftwareKeystore } from "../keystore/software-keystore.js";
import { tempDir } from "./audit-test-helpers.js";
import {
  SIGNING_KEY_FILE,
  digestSignatureValid,
  ephemeralAuditSigner,
  loadOrCreateAuditSigningKey,
  readAuditPublicKey,
  signDigest,
} from "./signing-key.js";

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

async function newDir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return join(t.dir, "audit");
}

const fields = { fromSeq: 1, toSeq: 10, lastHash: "a".repeat(64), signedAt: "2025-01-01T00:00:00Z", interval: 1000 };

describe("audit signing key", () => {
  test("is created once, stored wrapped under the root with its public key in clear, and loads again", async () => {
    const dir = await newDir();
    const keystore = SoftwareKeystore.ephemeral();
    const first = await loadOrCreateAuditSigningKey(dir, keystore);
    const file = JSON.parse(await readFile(join(dir, SIGNING_KEY_FILE), "utf8")) as Record<string, unknown>;
    assert.deepEqual(Object.keys(file).sort(), ["algorithm", "createdAt", "format", "keyId", "publicKey", "wrapped"]);
    assert.equal(file["algorithm"], "Ed25519");
    assert.equal(file["keyId"], first.keyId);
    const again = await loadOrCreateAuditSigningKey(dir, keystore);
    assert.equal(again.keyId, first.keyId);
    const digest = signDigest(again, fields);
    assert.ok(digestSignatureValid(first.publicKey, digest), "the reloaded private key signs for the stored public key");
  });

  test("verification needs only the public key read from the directory", async () => {
    const dir = await newDir();
    const signer = await loadOrCreateAuditSigningKey(dir, SoftwareKeystore.ephemeral());
    const pub = await readAuditPublicKey(dir);
    assert.equal(pub.keyId, signer.keyId);
    assert.ok(digestSignatureValid(pub, signDigest(signer, fields)));
  });

  test("a different root cannot unwrap the signing key", async () => {
    const dir = await newDir();
    await loadOrCreateAuditSigningKey(dir, SoftwareKeystore.ephemeral());
    await assert.rejects(loadOrCreateAuditSigningKey(dir, SoftwareKeystore.ephemeral()));
  });

  test("a public key swapped in the file is refused (it no longer matches its key id)", async () => {
    const dir = await newDir();
    await loadOrCreateAuditSigningKey(dir, SoftwareKeystore.ephemeral());
    const path = join(dir, SIGNING_KEY_FILE);
    const file = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    file["publicKey"] = ephemeralAuditSigner().publicKey.key.export({ format: "der", type: "spki" }).toString("base64");
    await writeFile(path, JSON.stringify(file));
    await assert.rejects(readAuditPublicKey(dir), /does not match its key id/);
  });

  test("a digest signature fails when any signed field changes", () => {
    const signer = ephemeralAuditSigner();
    const d = signDigest(signer, fields);
    assert.ok(digestSignatureValid(signer.publicKey, d));
    assert.equal(digestSignatureValid(signer.publicKey, { ...d, toSeq: 11 }), false);
    assert.equal(digestSignatureValid(signer.publicKey, { ...d, lastHash: "b".repeat(64) }), false);
    assert.equal(digestSignatureValid(signer.publicKey, { ...d, interval: 1 }), false);
    assert.equal(digestSignatureValid(ephemeralAuditSigner().publicKey, d), false);
  });
});
