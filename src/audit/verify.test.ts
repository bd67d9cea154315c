import assert from "node:assert/strict";
import { cp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { rechain, tempDir, writeLines, writeLog } from "./audit-test-helpers.js";
import { parseLine } from "./hash-chain.js";
import { segmentName } from "./segments.js";
import { ephemeralAuditSigner, type AuditSigner } from "./signing-key.js";
import { verifyAuditLog, type VerifyResult } from "./verify.js";

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

let root = "";
let oneSegment = "";
let manySegments = "";
const signer: AuditSigner = ephemeralAuditSigner();

before(async () => {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  root = t.dir;
  oneSegment = join(root, "one");
  manySegments = join(root, "many");
  await writeLog(oneSegment, 30, { digestEveryRecords: 10 }, signer);
  await writeLog(manySegments, 60, { maxSegmentBytes: 8 * 1024, digestEveryRecords: 10 }, signer);
});

let copies = 0;
/** A private copy of a fixture log to tamper with. */
async function copyOf(src: string): Promise<string> {
  const dst = join(root, `copy-${copies++}`);
  await cp(src, dst, { recursive: true });
  return dst;
}

async function editSegment(dir: string, index: number, edit: (lines: string[]) => string[]): Promise<string> {
  const path = join(dir, segmentName(index));
  const lines = (await readFile(path, "utf8")).split("\n").slice(0, -1);
  await writeLines(path, edit(lines));
  return path;
}

function problem(r: VerifyResult) {
  assert.equal(r.ok, false, "tampering went unnoticed");
  assert.ok(r.firstProblem !== undefined);
  return r.firstProblem;
}

describe("verifyAuditLog", () => {
  test("an untouched log verifies: every record, every digest, nothing unsigned", async () => {
    const r = await verifyAuditLog(oneSegment, signer.publicKey);
    assert.equal(r.ok, true, JSON.stringify(r.firstProblem));
    assert.equal(r.records, 30);
    assert.equal(r.digests, 3);
    assert.equal(r.unsigned, 0);
    assert.equal(r.lastSeq, 33);
    const many = await verifyAuditLog(manySegments, signer.publicKey);
    assert.equal(many.ok, true, JSON.stringify(many.firstProblem));
    assert.ok(many.segments >= 3);
    assert.equal(many.records, 60);
  });

  test("a deleted record is named: its seq, and the file and line where it is missing", async () => {
    const dir = await copyOf(oneSegment);
    await editSegment(dir, 1, (l) => l.filter((_, i) => i !== 4));
    const p = problem(await verifyAuditLog(dir, signer.publicKey));
    assert.equal(p.kind, "removed");
    assert.equal(p.seq, 5);
    assert.equal(p.file, segmentName(1));
    assert.equal(p.line, 5);
    assert.match(p.detail, /record seq 5 is missing/);
  });

  test("an edited record is named by its line and seq", async () => {
    const dir = await copyOf(oneSegment);
    await editSegment(dir, 1, (l) => l.map((x, i) => (i === 6 ? x.replace('"eventName":"Encrypt"', '"eventName":"Decrypt"') : x)));
    const p = problem(await verifyAuditLog(dir, signer.publicKey));
    assert.deepEqual({ kind: p.kind, line: p.line, seq: p.seq }, { kind: "edited", line: 7, seq: 7 });
  });

  test("an edited record whose hash was recomputed is still named (the next record chains to the old hash)", async () => {
    const dir = await copyOf(oneSegment);
    await editSegment(dir, 1, (lines) => {
      const redone = rechain(lines.slice(0, 3), (bodies) => {
        bodies[2]!.body["sourceIPAddress"] = "203.0.113.66";
      });
      assert.ok(parseLine(redone[2]!) !== undefined);
      return [...redone, ...lines.slice(3)];
    });
    const p = problem(await verifyAuditLog(dir, signer.publicKey));
    assert.deepEqual({ kind: p.kind, line: p.line, seq: p.seq }, { kind: "edited", line: 3, seq: 3 });
  });

  test("two swapped records are reported as reordered", async () => {
    const dir = await copyOf(oneSegment);
    await editSegment(dir, 1, (l) => {
      const c = [...l];
      [c[4], c[5]] = [c[5]!, c[4]!];
      return c;
    });
    const p = problem(await verifyAuditLog(dir, signer.publicKey));
    assert.equal(p.kind, "reordered");
    assert.equal(p.line, 5);
  });

  test("a record moved earlier is reported as reordered", async () => {
    const dir = await copyOf(oneSegment);
    await editSegment(dir, 1, (l) => {
      const c = [...l];
      const [moved] = c.splice(8, 1);
      c.splice(2, 0, moved!);
      return c;
    });
    assert.equal(problem(await verifyAuditLog(dir, signer.publicKey)).kind, "reordered");
  });

  test("a newest segment cut in the middle of a line is reported as truncated", async () => {
    const dir = await copyOf(oneSegment);
    const path = join(dir, segmentName(1));
    const size = (await readFile(path)).length;
    await truncate(path, size - 40);
    const p = problem(await verifyAuditLog(dir, signer.publicKey));
    assert.equal(p.kind, "truncated");
    assert.equal(p.file, segmentName(1));
  });

  test("an older segment cut in the middle of a line is reported as truncated, naming that file", async () => {
    const dir = await copyOf(manySegments);
    const path = join(dir, segmentName(2));
    const size = (await readFile(path)).length;
    await truncate(path, size - 100);
    const p = problem(await verifyAuditLog(dir, signer.publicKey));
    assert.equal(p.kind, "truncated");
    assert.equal(p.file, segmentName(2));
  });

  test("whole records cut from the end of an older segment are reported as truncated, naming that file", async () => {
    const dir = await copyOf(manySegments);
    await editSegment(dir, 2, (l) => l.slice(0, -3));
    const p = problem(await verifyAuditLog(dir, signer.publicKey));
    assert.equal(p.kind, "truncated");
    assert.equal(p.file, segmentName(2));
  });

  test("a removed segment file is reported as removed, naming the file", async () => {
    const dir = await copyOf(manySegments);
    await rm(join(dir, segmentName(2)));
    const p = problem(await verifyAuditLog(dir, signer.publicKey));
    assert.deepEqual({ kind: p.kind, file: p.file, line: p.line }, { kind: "removed", file: segmentName(2), line: 0 });
  });

  test("a removed first segment is reported as removed", async () => {
    const dir = await copyOf(manySegments);
    await rm(join(dir, segmentName(1)));
    const p = problem(await verifyAuditLog(dir, signer.publicKey));
    assert.deepEqual({ kind: p.kind, file: p.file }, { kind: "removed", file: segmentName(1) });
  });

  test("a forged digest signature is reported as bad-digest even when the chain was rebuilt around it", async () => {
    const dir = await copyOf(oneSegment);
    await editSegment(dir, 1, (lines) =>
      rechain(lines, (bodies) => {
        const d = bodies[10]!.body["digest"] as Record<string, unknown>;
        d["signature"] = Buffer.alloc(64, 7).toString("base64");
      }),
    );
    const p = problem(await verifyAuditLog(dir, signer.publicKey));
    assert.deepEqual({ kind: p.kind, seq: p.seq }, { kind: "bad-digest", seq: 11 });
    assert.match(p.detail, /forged/);
  });

  test("a log signed by another key does not verify with this data directory's key", async () => {
    const p = problem(await verifyAuditLog(oneSegment, ephemeralAuditSigner().publicKey));
    assert.equal(p.kind, "bad-digest");
    assert.match(p.detail, /names signing key/);
  });

  test("a record removed by someone who rebuilt the whole chain is caught by the next digest", async () => {
    const dir = await copyOf(oneSegment);
    await editSegment(dir, 1, (lines) => rechain(lines, (bodies) => void bodies.splice(4, 1)));
    const p = problem(await verifyAuditLog(dir, signer.publicKey));
    assert.equal(p.kind, "bad-digest");
  });

  test("a digest removed with the chain rebuilt is reported as a missing digest", async () => {
    const dir = await copyOf(oneSegment);
    await editSegment(dir, 1, (lines) =>
      rechain(lines, (bodies) => {
        const i = bodies.findIndex((b) => b.type === "digest");
        bodies.splice(i, 1);
      }),
    );
    assert.equal(problem(await verifyAuditLog(dir, signer.publicKey)).kind, "bad-digest");
  });

  test("a log stripped of every digest is reported as missing digests", async () => {
    const dir = await copyOf(oneSegment);
    await editSegment(dir, 1, (lines) => rechain(lines, (bodies) => void bodies.splice(0, bodies.length, ...bodies.filter((b) => b.type !== "digest"))));
    const p = problem(await verifyAuditLog(dir, signer.publicKey, { maxUnsigned: 10 }));
    assert.equal(p.kind, "bad-digest");
    assert.match(p.detail, /a digest is missing/);
  });

  test("a line that is not a Trent audit line is reported as edited", async () => {
    const dir = await copyOf(oneSegment);
    await editSegment(dir, 1, (l) => l.map((x, i) => (i === 3 ? '{"hello":"world"}' : x)));
    const p = problem(await verifyAuditLog(dir, signer.publicKey));
    assert.deepEqual({ kind: p.kind, line: p.line }, { kind: "edited", line: 4 });
  });

  test("an absent audit directory verifies as an empty log", async () => {
    const r = await verifyAuditLog(join(root, "nothing-here"), signer.publicKey);
    assert.equal(r.ok, true);
    assert.equal(r.records, 0);
  });

  test("an incomplete line in an older segment is accepted only when a recovery line names it", async () => {
    const dir = await copyOf(manySegments);
    await writeFile(join(dir, segmentName(1)), `${await readFile(join(dir, segmentName(1)), "utf8")}{"partial`);
    const p = problem(await verifyAuditLog(dir, signer.publicKey));
    assert.equal(p.kind, "truncated");
    assert.equal(p.file, segmentName(1));
    assert.match(p.detail, /no recovery record/);
  });
});
