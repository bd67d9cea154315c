import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { AuditLog } from "./audit-log.js";
import { ACCOUNT, BOB, KEY_IDS, T0, keyArnOf, sampleEvent, tempDir } from "./audit-test-helpers.js";
import { serviceEvent } from "./cloudtrail-record.js";
import { formatJsonLine, formatTable, queryAuditLog, sameKey, type AuditQuery, type QueriedEvent } from "./query.js";
import { ephemeralAuditSigner } from "./signing-key.js";

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

let dir = "";
const N = 21;

before(async () => {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  dir = join(t.dir, "audit");
  const log = await AuditLog.open({ dir, signer: ephemeralAuditSigner(), durable: true, digestEveryRecords: 5, digestEveryMs: 0 });
  for (let i = 0; i < N; i++) {
    await log.intent(`req-${i}`, "Encrypt");
    await log.append(sampleEvent(i));
  }
  await log.append(serviceEvent({ eventName: "DeleteKey", keyArn: keyArnOf(KEY_IDS[2]), accountId: ACCOUNT, region: "us-east-1", at: T0 + 100_000 }));
  await log.close();
});

async function run(q: AuditQuery): Promise<QueriedEvent[]> {
  const out: QueriedEvent[] = [];
  for await (const e of queryAuditLog(dir, q)) out.push(e);
  return out;
}

const ids = (events: readonly QueriedEvent[]): string[] => events.map((e) => e.event.requestID ?? e.event.eventName);

describe("queryAuditLog", () => {
  test("without filters it returns every record in order and skips intents and digests", async () => {
    const all = await run({});
    assert.equal(all.length, N + 1);
    assert.deepEqual(ids(all).slice(0, 3), ["req-0", "req-1", "req-2"]);
    assert.ok(all.every((e) => !("trent" in e.event)));
    for (let i = 1; i < all.length; i++) assert.ok(all[i]!.seq > all[i - 1]!.seq);
  });

  test("filters by time range, inclusive", async () => {
    const r = await run({ from: T0 + 3000, to: T0 + 5000 });
    assert.deepEqual(ids(r), ["req-3", "req-4", "req-5"]);
  });

  test("filters by key, whether given as key id or key ARN, including service events", async () => {
    const byId = await run({ key: KEY_IDS[2] });
    const byArn = await run({ key: keyArnOf(KEY_IDS[2]) });
    assert.deepEqual(ids(byId), ids(byArn));
    assert.deepEqual(ids(byId), ["req-2", "req-5", "req-8", "req-11", "req-14", "req-17", "req-20", "DeleteKey"]);
  });

  test("filters by principal ARN, event name and error code, all together", async () => {
    assert.deepEqual(ids(await run({ principal: BOB.principalArn })), ["req-4", "req-9", "req-14", "req-19"]);
    assert.deepEqual(ids(await run({ eventName: "Decrypt", errorCode: "AccessDeniedException" })), ["req-13"]);
    assert.deepEqual(ids(await run({ errorCode: "AccessDeniedException" })), ["req-6", "req-13", "req-20"]);
    assert.deepEqual(ids(await run({ eventName: "DeleteKey" })), ["DeleteKey"]);
  });

  test("a key id and the same key's ARN name the same key; another key does not match", () => {
    assert.ok(sameKey(KEY_IDS[0], keyArnOf(KEY_IDS[0])));
    assert.ok(sameKey("alias/app", `arn:aws:kms:us-east-1:${ACCOUNT}:alias/app`));
    assert.equal(sameKey(KEY_IDS[0], keyArnOf(KEY_IDS[1])), false);
  });

  test("JSON output is one CloudTrail record a line; table output has a header and one row per record", async () => {
    const r = await run({ eventName: "Encrypt", to: T0 + 3000 });
    const lines = r.map(formatJsonLine);
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { requestID: string }).requestID), ["req-0", "req-3"]);
    const table = formatTable(r).trimEnd().split("\n");
    assert.equal(table.length, 3);
    assert.match(table[0]!, /^seq\s+eventTime\s+eventName\s+principal\s+key\s+errorCode\s+sourceIP\s+requestID$/);
    assert.match(table[1]!, /Encrypt\s+arn:aws:iam::111122223333:user\/Alice\s+arn:aws:kms:/);
  });

  test("an absent audit directory has no records", async () => {
    const out: QueriedEvent[] = [];
    for await (const e of queryAuditLog(join(dir, "nope"))) out.push(e);
    assert.equal(out.length, 0);
  });
});
