import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { SoftwareKeystore } from "../keystore/software-keystore.js";
import { ALICE, ACCOUNT, KEY_IDS, T0, keyArnOf, tempDir } from "./audit-test-helpers.js";
import { auditDir, cloudTrailRecord, openAuditLog, queryAuditLog, readAuditPublicKey, serviceEvent, verifyAuditLog } from "./index.js";

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

const PLAINTEXT = Buffer.from("plaintext-marker-7f3a9c", "utf8");
const CIPHERTEXT = Buffer.from("ciphertext-marker-b41e02", "utf8");

describe("openAuditLog", () => {
  test("a production-mode trail under <dataDir>/audit records calls and service events, verifies, and holds no secret", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const keystore = SoftwareKeystore.open(t.dir);
    const log = await openAuditLog({ dataDir: t.dir, keystore, durable: true });
    const keyArn = keyArnOf(KEY_IDS[0]);
    await log.intent("req-1", "Encrypt");
    await log.append(
      cloudTrailRecord({
        requestId: "req-1",
        operation: "Encrypt",
        caller: ALICE,
        errorCode: undefined,
        errorMessage: undefined,
        input: { KeyId: keyArn, Plaintext: SecretBytes.copyOf(PLAINTEXT), EncryptionContext: { app: "x" } },
        output: { KeyId: keyArn, CiphertextBlob: new Uint8Array(CIPHERTEXT), EncryptionAlgorithm: "SYMMETRIC_DEFAULT" },
        startedAt: T0,
      }),
    );
    await log.append(
      cloudTrailRecord({
        requestId: "req-2",
        operation: "Decrypt",
        caller: ALICE,
        errorCode: undefined,
        errorMessage: undefined,
        input: { CiphertextBlob: new Uint8Array(CIPHERTEXT) },
        output: { KeyId: keyArn, Plaintext: SecretBytes.copyOf(PLAINTEXT), EncryptionAlgorithm: "SYMMETRIC_DEFAULT" },
        startedAt: T0 + 1,
      }),
    );
    await log.append(serviceEvent({ eventName: "RotateKey", keyArn, accountId: ACCOUNT, region: "us-east-1", at: T0 + 2 }));
    await log.close();
    await keystore.close();

    const dir = auditDir(t.dir);
    const r = await verifyAuditLog(dir, await readAuditPublicKey(dir));
    assert.equal(r.ok, true, JSON.stringify(r.firstProblem));
    assert.equal(r.records, 3);
    assert.deepEqual(r.notes, []);
    const names: string[] = [];
    for await (const e of queryAuditLog(dir, { key: KEY_IDS[0] })) names.push(e.event.eventName);
    assert.deepEqual(names, ["Encrypt", "Decrypt", "RotateKey"]);

    for (const f of await readdir(dir)) {
      const bytes = await readFile(join(dir, f));
      for (const m of [PLAINTEXT, CIPHERTEXT]) {
        for (const form of [m, Buffer.from(m.toString("base64")), Buffer.from(m.toString("hex"))]) {
          assert.equal(bytes.includes(form), false, `${f} contains a secret marker`);
        }
      }
    }
  });
});
