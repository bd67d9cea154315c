import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  ListKeyRotationsCommand,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, test } from "node:test";
import { queryAuditLog } from "../../src/audit/index.js";
import { useTrentOnClock } from "../support/clock.js";
import { createKeyId, expectError } from "../support/harness.js";
import { importMaterial, wrapMaterial } from "../support/key-import.js";

// The service clock is injected (test/support/clock.ts, as in scheduled-deletion.test.ts): the
// client signs with the same offset so SigV4 accepts its requests.

const DAY = 86_400_000;
const { h, clock, events, kms } = useTrentOnClock();
const now = clock.now;

async function externalKey(): Promise<string> {
  return createKeyId(kms(), { Origin: "EXTERNAL" });
}

async function keyState(keyId: string) {
  return (await kms().send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
}

/** The DeleteExpiredKeyMaterial service events of the audit log (written asynchronously: polled briefly). */
async function expiryEvents(count: number): Promise<Record<string, unknown>[]> {
  for (let i = 0; ; i++) {
    const found: Record<string, unknown>[] = [];
    for await (const e of queryAuditLog(join(h.dataDir, "audit"), { eventName: "DeleteExpiredKeyMaterial" })) {
      found.push(e.event as unknown as Record<string, unknown>);
    }
    if (found.length >= count || i >= 50) return found;
    await sleep(100);
  }
}

describe("import tokens expire after 24 hours", () => {
  test("a token used just before ParametersValidTo imports; the same kind of token just after it is ExpiredImportTokenException", async () => {
    const t0 = now();
    const keyA = await externalKey();
    const keyB = await externalKey();
    const params = async (keyId: string) =>
      kms().send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" }));
    const a = await params(keyA);
    const b = await params(keyB);
    const validTo = a.ParametersValidTo?.getTime() ?? 0;
    assert.ok(Math.abs(validTo - (t0 + DAY)) < 60_000);
    const send = (keyId: string, p: typeof a) =>
      kms().send(
        new ImportKeyMaterialCommand({
          KeyId: keyId,
          ImportToken: p.ImportToken,
          EncryptedKeyMaterial: wrapMaterial(p.PublicKey ?? new Uint8Array(), "RSAES_OAEP_SHA_256", randomBytes(32)),
          ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
        }),
      );
    clock.set(validTo - 60_000);
    await send(keyA, a);
    assert.equal((await keyState(keyA))?.KeyState, "Enabled");
    // b was issued a little after a (RSA key generation takes a while on a busy machine): go past b's own date.
    clock.set((b.ParametersValidTo?.getTime() ?? 0) + 1_000);
    await expectError(send(keyB, b), "ExpiredImportTokenException");
    assert.equal((await keyState(keyB))?.KeyState, "PendingImport");
    // A forged token is InvalidImportTokenException even once its claimed validity has passed.
    const forged = Buffer.from(b.ImportToken ?? []);
    forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
    await expectError(send(keyB, { ...b, ImportToken: forged }), "InvalidImportTokenException");
    // New parameters work again.
    await send(keyB, await params(keyB));
    assert.equal((await keyState(keyB))?.KeyState, "Enabled");
  });
});

describe("imported key material expires at its ValidTo", () => {
  test("the scheduler deletes the material at ValidTo: the key becomes PendingImport, a service event is recorded, and re-importing restores it", async () => {
    const keyId = await externalKey();
    const material = randomBytes(32);
    const validTo = now() + 2 * DAY;
    const imported = await importMaterial(kms(), keyId, material, { validTo: new Date(validTo) });
    const blob = (await kms().send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("expiring") }))).CiphertextBlob;
    const before = await keyState(keyId);
    assert.equal(before?.ExpirationModel, "KEY_MATERIAL_EXPIRES");
    assert.ok(Math.abs((before?.ValidTo?.getTime() ?? 0) - validTo) < 1000);

    clock.set(validTo - 60_000);
    assert.equal(await h.trent.scheduler.runOnce(), 0);
    assert.equal((await keyState(keyId))?.KeyState, "Enabled");

    clock.set(validTo + 1_000);
    assert.equal(await h.trent.scheduler.runOnce(), 1);
    assert.equal(await h.trent.scheduler.runOnce(), 0, "expiry happens once");
    const after = await keyState(keyId);
    assert.equal(after?.KeyState, "PendingImport");
    assert.equal(after?.ValidTo, undefined);
    assert.equal(after?.ExpirationModel, undefined);
    await expectError(kms().send(new DecryptCommand({ CiphertextBlob: blob })), "KMSInvalidStateException");
    assert.ok(events.some((e) => e["msg"] === "scheduled event" && e["event"] === "DeleteExpiredKeyMaterial" && e["keyId"] === keyId));
    const recorded = (await expiryEvents(1)).find((e) => JSON.stringify(e).includes(keyId));
    assert.ok(recorded, "the audit log has a DeleteExpiredKeyMaterial event for the key");
    assert.equal(recorded["eventType"], "AwsServiceEvent");
    assert.deepEqual(recorded["serviceEventDetails"], { keyId, keyMaterialId: imported.KeyMaterialId });

    await importMaterial(kms(), keyId, material);
    const dec = await kms().send(new DecryptCommand({ CiphertextBlob: blob }));
    assert.equal(Buffer.from(dec.Plaintext ?? []).toString(), "expiring");
    assert.equal(await h.trent.scheduler.runOnce(), 0);
  });

  test("material pending rotation expires on its own date without taking the key out of service", async () => {
    const keyId = await externalKey();
    await importMaterial(kms(), keyId, randomBytes(32));
    const validTo = now() + DAY;
    await importMaterial(kms(), keyId, randomBytes(32), { importType: "NEW_KEY_MATERIAL", validTo: new Date(validTo) });
    clock.set(validTo + 1_000);
    assert.equal(await h.trent.scheduler.runOnce(), 1);
    assert.equal((await keyState(keyId))?.KeyState, "Enabled");
    const all = await kms().send(new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }));
    assert.deepEqual(all.Rotations?.map((r) => r.KeyMaterialState), ["CURRENT"]);
  });

  test("a key pending deletion loses expired material but stays pending deletion", async () => {
    const keyId = await externalKey();
    const validTo = now() + DAY;
    await importMaterial(kms(), keyId, randomBytes(32), { validTo: new Date(validTo) });
    await kms().send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 30 }));
    clock.set(validTo + 1_000);
    assert.equal(await h.trent.scheduler.runOnce(), 1);
    const md = await keyState(keyId);
    assert.equal(md?.KeyState, "PendingDeletion");
    assert.equal(md?.ValidTo, undefined);
  });
});
