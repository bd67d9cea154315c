import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  KMSClient,
  ListAliasesCommand,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { REGION, expectError, startTrent, type Harness } from "../support/harness.js";

// The service clock is injected: real time plus an offset that the test moves forward between
// phases. SigV4 checks request dates against the same clock (5 minutes either way), so the client
// signs with systemClockOffset = offset. The SDK re-samples its offset from every response's Date
// header, which Trent writes from the real clock, so a middleware puts the offset back before
// each request is signed.

const DAY_MS = 86_400_000;
let offset = 0;
const now = (): number => Date.now() + offset;

let h: Harness;
let client: KMSClient | undefined;
const events: Record<string, unknown>[] = [];

/** The client of this file: it signs every request with the service's current notion of time. */
function kms(): KMSClient {
  if (client !== undefined) return client;
  const c = new KMSClient({
    endpoint: h.endpoint,
    region: REGION,
    maxAttempts: 1,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    systemClockOffset: offset,
  });
  c.middlewareStack.add(
    (next) => async (args) => {
      c.config.systemClockOffset = offset;
      return next(args);
    },
    { step: "initialize", name: "serviceClockOffset" },
  );
  client = c;
  return c;
}

/** Moves the service clock so that it reads `at` (epoch ms) now. */
function setClock(at: number): void {
  offset = at - Date.now();
}

async function aliasNames(c: KMSClient): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 50; page++) {
    const r = await c.send(new ListAliasesCommand({ Limit: 100, ...(marker ? { Marker: marker } : {}) }));
    for (const a of r.Aliases ?? []) if (a.AliasName !== undefined) names.push(a.AliasName);
    if (r.Truncated !== true || r.NextMarker === undefined) return names.sort();
    marker = r.NextMarker;
  }
  throw new Error("ListAliases did not finish within 50 pages");
}

async function state(c: KMSClient, keyId: string): Promise<string | undefined> {
  return (await c.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState;
}

before(async () => {
  // The periodic sweep is pushed out of the way (the largest interval a timer takes), so that
  // only the test's own runOnce calls carry out deletions.
  h = await startTrent(
    { now, log: (line) => void events.push(line) },
    { TRENT_SWEEP_INTERVAL_MS: "2147483647" },
  );
});
after(async () => {
  client?.destroy();
  await h.stop();
});

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
    const create = async (d: string) => (await c.send(new CreateKeyCommand({ Description: d }))).KeyMetadata?.KeyId ?? "";
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
    setClock(dueDate - 60_000); // one minute before the date
    assert.equal(await h.trent.scheduler.runOnce(), 0);
    // Requests signed at the moved clock are accepted, and the key is still only pending deletion.
    assert.equal(await state(c, due7), "PendingDeletion");
    assert.ok((await aliasNames(c)).includes("alias/sched-due"));
  });

  test("once the clock passes DeletionDate, runOnce deletes the key and its aliases, and only that key", async () => {
    setClock(dueDate + 1_000);
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
    setClock(due30Date + 1_000);
    assert.equal(await h.trent.scheduler.runOnce(), 1, "only the 30-day key is due");
    setClock(due30Date + 400 * DAY_MS);
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
