import assert from "node:assert/strict";
import { appendFile, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AuditLog, AuditUnavailableError } from "./audit-log.js";
import { sampleEvent, segmentLines, tempDir, writeLog } from "./audit-test-helpers.js";
import { GENESIS_HASH, hashMatches, parseLine } from "./hash-chain.js";
import { listSegments, segmentName } from "./segments.js";
import { ephemeralAuditSigner } from "./signing-key.js";
import { verifyAuditLog } from "./verify.js";

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

async function newDir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return join(t.dir, "audit");
}

/** Polls `check` until it holds (or fails after `ms`): timing on a loaded machine varies. */
async function eventually(check: () => Promise<boolean> | boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) assert.fail("condition not reached in time");
    await sleep(10);
  }
}

function parsedLines(lines: readonly string[]) {
  return lines.map((l) => {
    const p = parseLine(l);
    assert.ok(p !== undefined, `unparseable line: ${l.slice(0, 80)}`);
    return p;
  });
}

describe("AuditLog", () => {
  test("records are lines chained from genesis: seq 1.., each hash over its content, each prevHash the line before", async () => {
    const dir = await newDir();
    await writeLog(dir, 5);
    const [seg] = await segmentLines(dir);
    assert.ok(seg !== undefined);
    const lines = parsedLines(seg.lines);
    assert.deepEqual(lines.map((l) => l.meta.seq), [1, 2, 3, 4, 5, 6]);
    assert.equal(lines[0]?.meta.prevHash, GENESIS_HASH);
    for (let i = 1; i < lines.length; i++) assert.equal(lines[i]?.meta.prevHash, lines[i - 1]?.meta.hash);
    for (const l of lines) assert.ok(hashMatches(l));
    assert.deepEqual(lines.map((l) => l.meta.type), ["event", "event", "event", "event", "event", "digest"]);
    assert.equal(lines[0]?.body["eventName"], "Encrypt");
    assert.equal(lines[0]?.body["requestID"], "req-0");
  });

  test("many concurrent durable appends all resolve and share few fsyncs (group commit)", async (t) => {
    const dir = await newDir();
    const signer = ephemeralAuditSigner();
    const log = await AuditLog.open({ dir, signer, durable: true, digestEveryMs: 0 });
    const n = 3000;
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: n }, (_, i) => log.append(sampleEvent(i))));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const s = log.stats();
    t.diagnostic(`${n} concurrent durable appends: ${s.syncs} fsyncs, ${ms.toFixed(0)} ms, ${Math.round((n / ms) * 1000)} records/s`);
    assert.equal(s.events, n);
    assert.ok(s.syncs <= 20, `expected a handful of fsyncs for ${n} concurrent appends, got ${s.syncs}`);
    await log.close();
    const r = await verifyAuditLog(dir, signer.publicKey);
    assert.equal(r.ok, true, JSON.stringify(r.firstProblem));
    assert.equal(r.records, n);
  });

  test("sustained durable appends from many concurrent requesters are batched (informal throughput figure)", async (t) => {
    const dir = await newDir();
    const signer = ephemeralAuditSigner();
    const log = await AuditLog.open({ dir, signer, durable: true, digestEveryMs: 0 });
    const workers = 64;
    const perWorker = 150;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        for (let i = 0; i < perWorker; i++) await log.append(sampleEvent(w * perWorker + i));
      }),
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const n = workers * perWorker;
    const s = log.stats();
    t.diagnostic(
      `${workers} requesters x ${perWorker} sequential durable appends: ${Math.round((n / ms) * 1000)} records/s, ` +
        `${s.syncs} fsyncs (${(n / s.syncs).toFixed(1)} records per fsync)`,
    );
    assert.ok(s.syncs < n / 4, "appends waiting at the same time share an fsync");
    await log.close();
    assert.equal((await verifyAuditLog(dir, signer.publicKey)).ok, true);
  });

  test("in durable mode append resolves only after its batch was synced", async () => {
    const dir = await newDir();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let synced = 0;
    const log = await AuditLog.open({
      dir,
      signer: ephemeralAuditSigner(),
      durable: true,
      digestEveryMs: 0,
      sync: async (fh) => {
        await gate;
        await fh.datasync();
        synced++;
      },
    });
    let resolved = false;
    const p = log.append(sampleEvent(0)).then(() => (resolved = true));
    await sleep(50);
    assert.equal(resolved, false, "append resolved before its fsync");
    release();
    await p;
    assert.equal(resolved, true);
    assert.ok(synced >= 1);
    await log.close();
  });

  test("in dev mode append resolves at once and the record reaches the file within bufferMs", async () => {
    const dir = await newDir();
    const log = await AuditLog.open({ dir, signer: ephemeralAuditSigner(), durable: false, bufferMs: 400, digestEveryMs: 0 });
    const started = Date.now();
    await log.append(sampleEvent(0));
    const path = join(dir, segmentName(1));
    const early = (await readFile(path, "utf8")).includes("req-0");
    if (Date.now() - started < 400) assert.equal(early, false, "written before the buffer time");
    await eventually(async () => (await readFile(path, "utf8")).includes("req-0"));
    await log.close();
  });

  test("in dev mode a full buffer is flushed without waiting for the timer", async () => {
    const dir = await newDir();
    const log = await AuditLog.open({ dir, signer: ephemeralAuditSigner(), durable: false, bufferMs: 60_000, bufferRecords: 10, digestEveryMs: 0 });
    for (let i = 0; i < 10; i++) await log.append(sampleEvent(i));
    await eventually(async () => (await readFile(join(dir, segmentName(1)), "utf8")).includes("req-9"));
    await log.close();
  });

  test("a removed audit directory fails the flush: healthy() turns false and every append rejects", async () => {
    const dir = await newDir();
    const log = await AuditLog.open({ dir, signer: ephemeralAuditSigner(), durable: true, digestEveryMs: 0 });
    await log.append(sampleEvent(0));
    await rm(dir, { recursive: true, force: true });
    await assert.rejects(log.append(sampleEvent(1)), AuditUnavailableError);
    assert.equal(log.healthy(), false);
    await assert.rejects(log.append(sampleEvent(2)), AuditUnavailableError);
    await assert.rejects(log.intent("req-x", "CreateKey"), AuditUnavailableError);
  });

  test("in dev mode a failed background flush also fails the log: later appends reject", async () => {
    const dir = await newDir();
    const notices: string[] = [];
    const log = await AuditLog.open({ dir, signer: ephemeralAuditSigner(), durable: false, bufferMs: 10, digestEveryMs: 0, onNotice: (m) => notices.push(m) });
    await rm(dir, { recursive: true, force: true });
    await log.append(sampleEvent(0)); // buffered: accepted before the write fails
    await eventually(() => !log.healthy());
    assert.ok(notices.some((m) => m.includes("audit log failed")));
    await assert.rejects(log.append(sampleEvent(1)), AuditUnavailableError);
  });

  test("a replaced audit directory (moved away, an empty one in its place) fails the flush", async () => {
    const dir = await newDir();
    const log = await AuditLog.open({ dir, signer: ephemeralAuditSigner(), durable: true, digestEveryMs: 0 });
    await log.append(sampleEvent(0));
    await rename(dir, `${dir}.moved`);
    await mkdir(dir);
    await assert.rejects(log.append(sampleEvent(1)), AuditUnavailableError);
    assert.equal(log.healthy(), false);
  });

  test("a segment replaced by another file with the same name fails the flush", async () => {
    const dir = await newDir();
    const log = await AuditLog.open({ dir, signer: ephemeralAuditSigner(), durable: true, digestEveryMs: 0 });
    await log.append(sampleEvent(0));
    const path = join(dir, segmentName(1));
    const content = await readFile(path);
    await writeFile(`${path}.new`, content);
    await rename(`${path}.new`, path);
    await assert.rejects(log.append(sampleEvent(1)), /was replaced/);
    assert.equal(log.healthy(), false);
  });

  test("a segment cut or extended by someone else fails the flush", async () => {
    const dir = await newDir();
    const log = await AuditLog.open({ dir, signer: ephemeralAuditSigner(), durable: true, digestEveryMs: 0 });
    await log.append(sampleEvent(0));
    await appendFile(join(dir, segmentName(1)), "{}\n");
    await assert.rejects(log.append(sampleEvent(1)), /was modified/);
    assert.equal(log.healthy(), false);
  });

  test("reopen after the directory came back continues the same chain, and the log verifies", async () => {
    const dir = await newDir();
    const signer = ephemeralAuditSigner();
    const log = await AuditLog.open({ dir, signer, durable: true, digestEveryMs: 0 });
    await log.append(sampleEvent(0));
    await rename(dir, `${dir}.moved`);
    await assert.rejects(log.append(sampleEvent(1)));
    await assert.rejects(log.reopen(), AuditUnavailableError, "reopen must fail while the log cannot be written");
    await rm(dir, { recursive: true, force: true });
    await rename(`${dir}.moved`, dir);
    await log.reopen();
    assert.equal(log.healthy(), true);
    await log.append(sampleEvent(2));
    await log.close();
    const r = await verifyAuditLog(dir, signer.publicKey);
    assert.equal(r.ok, true, JSON.stringify(r.firstProblem));
    assert.equal(r.records, 2);
  });

  test("reopen refuses a deleted segment unless allowed; then it continues in a new segment and verify reports the loss", async () => {
    const dir = await newDir();
    const signer = ephemeralAuditSigner();
    const log = await AuditLog.open({ dir, signer, durable: true, digestEveryMs: 0 });
    await log.append(sampleEvent(0));
    await rm(join(dir, segmentName(1)));
    await assert.rejects(log.append(sampleEvent(1)));
    await assert.rejects(log.reopen(), /missing or was replaced/, "a gap needs the operator's consent");
    assert.equal(log.healthy(), false);
    await log.reopen({ allowGap: true });
    await log.append(sampleEvent(2));
    await log.close();
    assert.deepEqual((await listSegments(dir)).map((s) => s.index), [2]);
    const r = await verifyAuditLog(dir, signer.publicKey);
    assert.equal(r.ok, false);
    assert.equal(r.firstProblem?.kind, "removed");
    assert.equal(r.firstProblem?.file, segmentName(1));
  });

  test("a restart continues the chain where the previous run ended", async () => {
    const dir = await newDir();
    const signer = ephemeralAuditSigner();
    await writeLog(dir, 3, {}, signer);
    const log = await AuditLog.open({ dir, signer, durable: true, digestEveryMs: 0 });
    assert.equal(log.stats().seq, 4);
    await log.append(sampleEvent(3));
    await log.close();
    const lines = parsedLines((await segmentLines(dir)).flatMap((s) => s.lines));
    assert.deepEqual(lines.map((l) => l.meta.seq), [1, 2, 3, 4, 5, 6]);
    const r = await verifyAuditLog(dir, signer.publicKey);
    assert.equal(r.ok, true, JSON.stringify(r.firstProblem));
    assert.equal(r.records, 4);
  });

  test("a run that crashed mid-line is recovered: the bytes are kept, a recovery line names them, verify notes it", async () => {
    const dir = await newDir();
    const signer = ephemeralAuditSigner();
    const crashed = await AuditLog.open({ dir, signer, durable: true, digestEveryMs: 0 });
    await crashed.append(sampleEvent(0));
    await crashed.append(sampleEvent(1));
    const seg1 = join(dir, segmentName(1));
    await appendFile(seg1, '{"eventVersion":"1.11","userIdentity":{"ty');
    const sizeBefore = (await stat(seg1)).size;
    const before = await verifyAuditLog(dir, signer.publicKey);
    assert.equal(before.firstProblem?.kind, "truncated", "an unrecovered incomplete line is reported");

    const notices: string[] = [];
    const log = await AuditLog.open({ dir, signer, durable: true, digestEveryMs: 0, onNotice: (m) => notices.push(m) });
    await log.append(sampleEvent(2));
    await log.close();
    assert.equal((await stat(seg1)).size, sizeBefore, "the incomplete line is left in place");
    assert.ok(notices.some((m) => m.includes("incomplete line")));
    const [, seg2] = await segmentLines(dir);
    assert.equal(parseLine(seg2?.lines[0] ?? "")?.meta.type, "recovery");
    const r = await verifyAuditLog(dir, signer.publicKey);
    assert.equal(r.ok, true, JSON.stringify(r.firstProblem));
    assert.equal(r.records, 3);
    assert.ok(r.notes.some((n) => n.includes("incomplete line")));
  });

  test("lines an unclosed run left unsigned are signed at the next open", async () => {
    const dir = await newDir();
    const signer = ephemeralAuditSigner();
    const crashed = await AuditLog.open({ dir, signer, durable: true, digestEveryMs: 0 });
    for (let i = 0; i < 4; i++) await crashed.append(sampleEvent(i));
    const log = await AuditLog.open({ dir, signer, durable: true, digestEveryMs: 0 });
    const lines = parsedLines((await segmentLines(dir)).flatMap((s) => s.lines));
    assert.equal(lines.at(-1)?.meta.type, "digest");
    assert.equal(lines.length, 5);
    await log.close();
  });

  test("segments roll by size; the chain continues across files and each full segment ends with a digest", async () => {
    const dir = await newDir();
    const signer = ephemeralAuditSigner();
    await writeLog(dir, 60, { maxSegmentBytes: 8 * 1024 }, signer);
    const segs = await segmentLines(dir);
    assert.ok(segs.length >= 3, `expected several segments, got ${segs.length}`);
    for (const s of segs) {
      const size = (await stat(s.path)).size;
      assert.ok(size <= 8 * 1024, `${s.name} has ${size} bytes`);
      assert.equal(parseLine(s.lines.at(-1) ?? "")?.meta.type, "digest", `${s.name} does not end with a digest`);
    }
    const r = await verifyAuditLog(dir, signer.publicKey);
    assert.equal(r.ok, true, JSON.stringify(r.firstProblem));
    assert.equal(r.records, 60);
    assert.equal(r.segments, segs.length);
  });

  test("a digest follows every digestEveryRecords records, and close signs the rest", async () => {
    const dir = await newDir();
    const signer = ephemeralAuditSigner();
    await writeLog(dir, 35, { digestEveryRecords: 10 }, signer);
    const lines = parsedLines((await segmentLines(dir)).flatMap((s) => s.lines));
    const digestSeqs = lines.filter((l) => l.meta.type === "digest").map((l) => l.meta.seq);
    assert.deepEqual(digestSeqs, [11, 22, 33, 39]);
    const r = await verifyAuditLog(dir, signer.publicKey);
    assert.equal(r.ok, true);
    assert.equal(r.digests, 4);
    assert.equal(r.unsigned, 0);
  });

  test("a digest is written every digestEveryMs while records arrive", async () => {
    const dir = await newDir();
    const log = await AuditLog.open({ dir, signer: ephemeralAuditSigner(), durable: true, digestEveryMs: 40 });
    await log.append(sampleEvent(0));
    await eventually(async () => parsedLines((await segmentLines(dir)).flatMap((s) => s.lines)).at(-1)?.meta.type === "digest");
    await log.close();
  });

  test("intent lines are chained like records before the outcome", async () => {
    const dir = await newDir();
    const signer = ephemeralAuditSigner();
    const log = await AuditLog.open({ dir, signer, durable: true, digestEveryMs: 0 });
    await log.intent("req-0", "Encrypt");
    await log.append(sampleEvent(0));
    await log.close();
    const lines = parsedLines((await segmentLines(dir)).flatMap((s) => s.lines));
    assert.deepEqual(lines.map((l) => l.meta.type), ["intent", "event", "digest"]);
    assert.deepEqual(Object.keys(lines[0]?.body ?? {}).sort(), ["eventName", "eventTime", "requestID"]);
    const r = await verifyAuditLog(dir, signer.publicKey);
    assert.equal(r.ok, true);
    assert.deepEqual(r.notes, []);
  });

  test("append refuses a record JSON cannot carry, such as one holding a buffer, without failing the log", async () => {
    const dir = await newDir();
    const log = await AuditLog.open({ dir, signer: ephemeralAuditSigner(), durable: true, digestEveryMs: 0 });
    const bad = { ...sampleEvent(0), requestParameters: { blob: Buffer.from("x") } } as unknown as Parameters<AuditLog["append"]>[0];
    await assert.rejects(log.append(bad), TypeError);
    assert.equal(log.healthy(), true);
    await log.append(sampleEvent(1));
    await log.close();
  });

  test("append after close rejects", async () => {
    const dir = await newDir();
    const log = await AuditLog.open({ dir, signer: ephemeralAuditSigner(), durable: true, digestEveryMs: 0 });
    await log.close();
    assert.equal(log.healthy(), false);
    await assert.rejects(log.append(sampleEvent(0)), AuditUnavailableError);
  });
});
