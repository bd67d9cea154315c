import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  ListAliasesCommand,
  ScheduleKeyDeletionCommand,
  type KMSClient,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { useTrentOnClock } from "../support/clock.js";
import { createKeyId, expectError } from "../support/harness.js";
import { allPages } from "../support/paging.js";

// The service clock is injected (test/support/clock.ts): real time plus an offset that the test
// moves forward between phases.

const DAY_MS = 86_400_000;
const { h, clock, events, kms } = useTrentOnClock();
const now = clock.now;

async function aliasNames(c: KMSClient): Promise<string[]> {
  const { items } = await allPages("ListAliases", 50, (marker) => c.send(new ListAliasesCommand({ Limit: 100, ...marker })), (r) => r.Aliases);
  return items.flatMap((a) => (a.AliasName === undefined ? [] : [a.AliasName])).sort();
}

async function state(c: KMSClient, keyId: string): Promise<string | undefined> {
  return (await c.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState;
}

describe("scheduled key deletion", () => {
  let due7 = ""; // scheduled for 7 days
  let due30 = ""; // scheduled for 30 days
  let cancelled = ""; // scheduled, then cancelled
  let kept = ""; // never scheduled
  let dueDate = 0;
  let due30Date = 0;
  let ciphertext: Uint8Array = new Uint8Array(0);

  test("ScheduleKeyDeletion sets a deletion date 7 days ahead, and runOnce before that date deletes nothing", async () => {
    const c = kms();
    const create = (d: string) => createKeyId(c, { Description: d });
    due7 = await create("due in 7 days");
    due30 = await create("due in 30 days");
    cancelled = await create("cancelled");
    kept = await create("kept");
    await c.send(new CreateAliasCommand({ AliasName: "alias/sched-due", TargetKeyId: due7 }));
    await c.send(new CreateAliasCommand({ AliasName: "alias/sched-due-2", TargetKeyId: due7 }));
    await c.send(new CreateAliasCommand({ AliasName: "alias/sched-kept", TargetKeyId: kept }));
    await c.send(new CreateAliasCommand({ AliasName: "alias/sched-cancelled", TargetKeyId: cancelled }));
    ciphertext = (await c.send(new EncryptCommand({ KeyId: due7, Plaintext: Buffer.from("doomed") }))).CiphertextBlob ?? new Uint8Array(0);

    const before = now();
    const r = await c.send(new ScheduleKeyDeletionCommand({ KeyId: due7, PendingWindowInDays: 7 }));
    assert.equal(r.KeyState, "PendingDeletion");
    assert.equal(r.PendingWindowInDays, 7);
    dueDate = r.DeletionDate?.getTime() ?? 0;
    // DeletionDate is 7 days from the service clock (the wire carries whole or fractional seconds).
    assert.ok(Math.abs(dueDate - (before + 7 * DAY_MS)) < 5_000, "DeletionDate is not 7 days ahead");
    due30Date = (await c.send(new ScheduleKeyDeletionCommand({ KeyId: due30, PendingWindowInDays: 30 }))).DeletionDate?.getTime() ?? 0;
    await c.send(new ScheduleKeyDeletionCommand({ KeyId: cancelled, PendingWindowInDays: 7 }));
    await c.send(new CancelKeyDeletionCommand({ KeyId: cancelled }));

    assert.equal(await h.trent.scheduler.runOnce(), 0);
    clock.set(dueDate - 60_000); // one minute before the date
    assert.equal(await h.trent.scheduler.runOnce(), 0);
    // Requests signed at the moved clock are accepted, and the key is still only pending deletion.
    assert.equal(await state(c, due7), "PendingDeletion");
    assert.ok((await aliasNames(c)).includes("alias/sched-due"));
  });

  test("once the clock passes DeletionDate, runOnce deletes the key and its aliases, and only that key", async () => {
    clock.set(dueDate + 1_000);
    assert.equal(await h.trent.scheduler.runOnce(), 1);
    const c = kms();
    await expectError(c.send(new DescribeKeyCommand({ KeyId: due7 })), "NotFoundException");
    await expectError(c.send(new DescribeKeyCommand({ KeyId: "alias/sched-due" })), "NotFoundException");
    const names = await aliasNames(c);
    assert.equal(names.includes("alias/sched-due"), false);
    assert.equal(names.includes("alias/sched-due-2"), false);
    assert.ok(names.includes("alias/sched-kept"));
    assert.ok(names.includes("alias/sched-cancelled"));
    // A new alias may take the freed name.
    await c.send(new CreateAliasCommand({ AliasName: "alias/sched-due", TargetKeyId: kept }));
    assert.equal(await state(c, kept), "Enabled");
    assert.equal(await state(c, due30), "PendingDeletion");
    assert.equal(await state(c, cancelled), "Disabled");
    // A ciphertext under the deleted key can never be decrypted again.
    await expectError(c.send(new DecryptCommand({ CiphertextBlob: ciphertext })), "InvalidCiphertextException");
    assert.ok(
      events.some((e) => e["msg"] === "scheduled event" && e["event"] === "DeleteKey" && e["keyId"] === due7),
      "the deletion was not logged",
    );
  });

  test("a second runOnce after the deletion does nothing", async () => {
    assert.equal(await h.trent.scheduler.runOnce(), 0);
    assert.equal(await h.trent.scheduler.runOnce(), 0);
  });

  test("a cancelled deletion is never carried out, however far the clock moves", async () => {
    clock.set(due30Date + 1_000);
    assert.equal(await h.trent.scheduler.runOnce(), 1, "only the 30-day key is due");
    clock.set(due30Date + 400 * DAY_MS);
    assert.equal(await h.trent.scheduler.runOnce(), 0);
    const c = kms();
    await expectError(c.send(new DescribeKeyCommand({ KeyId: due30 })), "NotFoundException");
    assert.equal(await state(c, cancelled), "Disabled");
    assert.equal(await state(c, kept), "Enabled");
    assert.deepEqual(
      (await aliasNames(c)).filter((n) => n.startsWith("alias/sched-")),
      ["alias/sched-cancelled", "alias/sched-due", "alias/sched-kept"],
    );
  });
});
