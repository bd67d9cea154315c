import { CreateKeyCommand, DecryptCommand, EncryptCommand, ListKeysCommand, type KMSClient } from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { readAuditPublicKey, verifyAuditLog } from "../../src/audit/index.js";
import { SealedKeystore } from "../../src/keystore/sealed-keystore.js";
import { Identities } from "../../src/service/identities.js";
import { expectError, startTrent, type Harness } from "../support/harness.js";

let h: Harness;
let shares: readonly string[] = [];
let kms: KMSClient;

async function operator(method: "GET" | "POST", action: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${h.endpoint}/_trent/operator/${action}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

before(async () => {
  h = await startTrent({}, { TRENT_MODE: "production" }, async (dir) => {
    shares = (await SealedKeystore.init(dir, { shares: 3, threshold: 2 })).shares;
  });
});
after(async () => h.stop());

describe("production mode with a Shamir-sealed root", () => {
  test("a sealed service refuses KMS calls with KMSInternalException and is not ready", async () => {
    const ready = await fetch(`${h.endpoint}/readyz`);
    assert.equal(ready.status, 503);
    // No default principal in production: even the dev credentials are unknown.
    const err = await expectError(h.client().send(new ListKeysCommand({})), "KMSInternalException");
    assert.match(err.message, /sealed/);
    assert.equal((await operator("GET", "status")).json["sealed"], true);
  });

  test("the reset endpoint does not exist in production", async () => {
    const r = await fetch(`${h.endpoint}/_trent/reset`, { method: "POST" });
    assert.notEqual(r.status, 200);
  });

  test("one share is progress, a second distinct share unseals", async () => {
    const first = await operator("POST", "unseal", { share: shares[2] });
    assert.equal(first.status, 200);
    assert.equal(first.json["sealed"], true);
    assert.deepEqual(first.json["progress"], { submitted: 1, threshold: 2 });
    const again = await operator("POST", "unseal", { share: shares[2] });
    assert.deepEqual(again.json["progress"], { submitted: 1, threshold: 2 }, "a duplicate share does not count twice");
    const second = await operator("POST", "unseal", { share: shares[0] });
    assert.equal(second.json["sealed"], false);
    assert.equal((await fetch(`${h.endpoint}/readyz`)).status, 200);
  });

  test("an unsealed production service serves principals created by the operator, and nobody else", async () => {
    const ids = new Identities(h.trent.store, h.trent.keystore);
    const { accountId } = await ids.createAccount("444455556666");
    await expectError(h.client().send(new ListKeysCommand({})), "UnrecognizedClientException");
    const root = await ids.createAccessKey(`arn:aws:iam::${accountId}:root`);
    kms = h.client({ accessKeyId: root.accessKeyId, secretAccessKey: root.secretAccessKey });
    const key = await kms.send(new CreateKeyCommand({ Description: "production key" }));
    assert.equal(key.KeyMetadata?.AWSAccountId, accountId);
    const enc = await kms.send(new EncryptCommand({ KeyId: key.KeyMetadata?.KeyId, Plaintext: Buffer.from("MARKER-PROD-PLAINTEXT") }));
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    assert.equal(Buffer.from(dec.Plaintext ?? []).toString(), "MARKER-PROD-PLAINTEXT");
  });

  test("every call is in the durable audit log, which verifies and never holds the plaintext", async () => {
    const dir = join(h.dataDir, "audit");
    const text = readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("");
    assert.ok(!text.includes("MARKER-PROD-PLAINTEXT"));
    assert.ok(!text.includes(Buffer.from("MARKER-PROD-PLAINTEXT").toString("base64")));
    const events = text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { eventName?: string; errorCode?: string; trent?: { type?: string } })
      .filter((e) => e.trent?.type === "event");
    const names = events.map((e) => e.eventName);
    for (const n of ["ListKeys", "CreateKey", "Encrypt", "Decrypt"]) assert.ok(names.includes(n), `${n} recorded`);
    assert.ok(events.some((e) => e.errorCode === "KMSInternalException"), "calls refused while sealed are recorded too");
    // Durable mode: state-changing calls are preceded by an intent line.
    assert.ok(text.includes('"intent"'));
    const result = await verifyAuditLog(dir, await readAuditPublicKey(dir));
    assert.equal(result.ok, true, JSON.stringify(result.firstProblem));
  });

  test("seal forgets the root at once: calls are refused again", async () => {
    const r = await operator("POST", "seal");
    assert.equal(r.json["sealed"], true);
    await expectError(kms.send(new ListKeysCommand({})), "KMSInternalException");
  });
});
