import {
  DecryptCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetKeyRotationStatusCommand,
  ListKeyRotationsCommand,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_ON_DEMAND_ROTATIONS } from "../../src/ops/support/rotation.js";
import { createKeyId, expectError, useTrent } from "../support/harness.js";

const DAY = 86_400_000;
const h = useTrent();

describe("automatic rotation settings", () => {
  test("rotation is off for a new key and EnableKeyRotation turns it on with a 365-day default", async () => {
    const keyId = await createKeyId(h.kms);
    const off = await h.kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    assert.equal(off.KeyRotationEnabled, false);
    const before = Date.now();
    await h.kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
    const on = await h.kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    assert.equal(on.KeyRotationEnabled, true);
    assert.equal(on.RotationPeriodInDays, 365);
    const next = on.NextRotationDate?.getTime() ?? 0;
    assert.ok(Math.abs(next - (before + 365 * DAY)) < 60_000, "next rotation one period from now");
    await h.kms.send(new DisableKeyRotationCommand({ KeyId: keyId }));
    assert.equal((await h.kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled, false);
  });

  test("RotationPeriodInDays outside 90..2560 is a ValidationException", async () => {
    const keyId = await createKeyId(h.kms);
    await expectError(h.kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 89 })), "ValidationException");
    await expectError(h.kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 2561 })), "ValidationException");
    await h.kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
    assert.equal((await h.kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).RotationPeriodInDays, 90);
  });
});

describe("on-demand rotation", () => {
  test("old ciphertexts still decrypt after several rotations and new ones use the newest material", async () => {
    const keyId = await createKeyId(h.kms);
    const blobs: Uint8Array[] = [];
    const materialIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const enc = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(`generation ${i}`) }));
      blobs.push(enc.CiphertextBlob ?? new Uint8Array());
      const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
      materialIds.push(dec.KeyMaterialId ?? "");
      await h.kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    }
    assert.equal(new Set(materialIds).size, 4, "each generation used a different key material");
    for (let i = 0; i < 4; i++) {
      const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: blobs[i] }));
      assert.equal(Buffer.from(dec.Plaintext ?? []).toString(), `generation ${i}`);
    }
    const list = await h.kms.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    assert.equal(list.Rotations?.length, 4);
    assert.ok(list.Rotations?.every((r) => r.RotationType === "ON_DEMAND" && r.RotationDate instanceof Date));
    assert.equal(list.Rotations?.filter((r) => r.KeyMaterialState === "CURRENT").length, 1);
    const all = await h.kms.send(new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }));
    assert.equal(all.Rotations?.length, 5, "the original material is listed too");
  });

  test("ReEncrypt moves an old ciphertext to the newest material", async () => {
    const keyId = await createKeyId(h.kms);
    const enc = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") }));
    const oldMaterial = (await h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).KeyMaterialId;
    await h.kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    const re = await h.kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: keyId }));
    assert.equal(re.SourceKeyMaterialId, oldMaterial);
    assert.notEqual(re.DestinationKeyMaterialId, oldMaterial);
    const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob }));
    assert.equal(dec.KeyMaterialId, re.DestinationKeyMaterialId);
  });

  test(`RotateKeyOnDemand is refused with LimitExceededException after ${MAX_ON_DEMAND_ROTATIONS} rotations`, async () => {
    const keyId = await createKeyId(h.kms);
    for (let i = 0; i < MAX_ON_DEMAND_ROTATIONS; i++) await h.kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    await expectError(h.kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId })), "LimitExceededException");
  });

  test("ListKeyRotations pages with Limit and Marker", async () => {
    const keyId = await createKeyId(h.kms);
    for (let i = 0; i < 3; i++) await h.kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    const p1 = await h.kms.send(new ListKeyRotationsCommand({ KeyId: keyId, Limit: 2 }));
    assert.equal(p1.Rotations?.length, 2);
    assert.equal(p1.Truncated, true);
    const p2 = await h.kms.send(new ListKeyRotationsCommand({ KeyId: keyId, Limit: 2, Marker: p1.NextMarker }));
    assert.equal(p2.Rotations?.length, 1);
    assert.equal(p2.Truncated, false);
    await expectError(h.kms.send(new ListKeyRotationsCommand({ KeyId: keyId, Marker: "bogus" })), "InvalidMarkerException");
  });
});

describe("automatic rotation by the scheduler", () => {
  test("a key due for rotation is rotated once by the scheduler and its next date moves one period on", async () => {
    const keyId = await createKeyId(h.kms);
    await h.kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
    const enc = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("before") }));
    // Make the rotation due now, as if the service had been down past the date.
    const stored = await h.trent.store.getKey(keyId);
    assert.ok(stored);
    await h.trent.store.updateKey({
      key: { ...stored, rotation: { ...stored.rotation, nextRotationAt: Date.now() - 3 * 90 * DAY } },
      expectedRevision: stored.revision,
    });
    assert.ok((await h.trent.scheduler.runOnce()) >= 1);
    assert.equal(await h.trent.scheduler.runOnce(), 0, "a missed rotation happens once, not once per missed period");
    const rotations = await h.kms.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    assert.equal(rotations.Rotations?.length, 1);
    assert.equal(rotations.Rotations?.[0]?.RotationType, "AUTOMATIC");
    const status = await h.kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    const next = status.NextRotationDate?.getTime() ?? 0;
    assert.ok(Math.abs(next - (Date.now() + 90 * DAY)) < 60_000);
    const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    assert.equal(Buffer.from(dec.Plaintext ?? []).toString(), "before");
  });
});
