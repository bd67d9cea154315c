import assert from "node:assert/strict";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Command } from "commander";
import { AuditLog } from "../audit/audit-log.js";
import { sampleEvent, tempDir } from "../audit/audit-test-helpers.js";
import { segmentName } from "../audit/segments.js";
import { loadOrCreateAuditSigningKey } from "../audit/signing-key.js";
import { SoftwareKeystore } from "../keystore/software-keystore.js";
import { registerAuditCommands, runAuditQuery, runAuditVerify, type CliIo } from "./audit-command.js";

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

let dataDir = "";

before(async () => {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  dataDir = t.dir;
  const dir = join(dataDir, "audit");
  const signer = await loadOrCreateAuditSigningKey(dir, SoftwareKeystore.ephemeral());
  const log = await AuditLog.open({ dir, signer, durable: true, digestEveryMs: 0 });
  for (let i = 0; i < 8; i++) await log.append(sampleEvent(i));
  await log.close();
});

function capture(): CliIo & { text: () => string; errors: () => string } {
  let out = "";
  let err = "";
  return { out: (t) => (out += t), err: (t) => (err += t), text: () => out, errors: () => err };
}

const noEnv = {};

describe("trent audit", () => {
  test("verify exits 0 and says the log is intact", async () => {
    const io = capture();
    assert.equal(await runAuditVerify({ dataDir }, io, noEnv), 0);
    assert.match(io.text(), /audit log intact: 8 records/);
  });

  test("verify exits 1 and prints the first problem with its file, line and kind", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const copy = t.dir;
    await cp(join(dataDir, "audit"), join(copy, "audit"), { recursive: true });
    const seg = join(copy, "audit", segmentName(1));
    const lines = (await readFile(seg, "utf8")).split("\n");
    lines.splice(2, 1);
    await writeFile(seg, lines.join("\n"));
    const io = capture();
    assert.equal(await runAuditVerify({ dataDir: copy }, io, noEnv), 1);
    assert.match(io.text(), /NOT intact: removed at audit-000001\.jsonl line 3 \(seq 3\)/);
    const json = capture();
    assert.equal(await runAuditVerify({ dataDir: copy, json: true }, json, noEnv), 1);
    assert.equal((JSON.parse(json.text()) as { firstProblem: { kind: string } }).firstProblem.kind, "removed");
  });

  test("verify exits 2 when the data directory has no audit signing key", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const io = capture();
    assert.equal(await runAuditVerify({ dataDir: t.dir }, io, noEnv), 2);
    assert.match(io.errors(), /signing key/);
  });

  test("query prints matching records as JSON lines or as a table", async () => {
    const json = capture();
    assert.equal(await runAuditQuery({ dataDir, event: "Decrypt", output: "json" }, json, noEnv), 0);
    const records = json.text().trimEnd().split("\n").map((l) => JSON.parse(l) as { eventName: string });
    assert.deepEqual(records.map((r) => r.eventName), ["Decrypt", "Decrypt", "Decrypt"]);
    const table = capture();
    assert.equal(await runAuditQuery({ dataDir, error: "AccessDeniedException" }, table, noEnv), 0);
    assert.equal(table.text().trimEnd().split("\n").length, 2);
    assert.match(table.text(), /AccessDeniedException/);
  });

  test("query refuses a time that is not ISO 8601 and an unknown output format", async () => {
    const io = capture();
    assert.equal(await runAuditQuery({ dataDir, from: "yesterday" }, io, noEnv), 2);
    assert.equal(await runAuditQuery({ dataDir, output: "xml" }, io, noEnv), 2);
    assert.match(io.errors(), /--from must be an ISO 8601 time/);
  });

  test("the data directory comes from TRENT_DATA_DIR when no flag names it", async () => {
    const io = capture();
    assert.equal(await runAuditVerify({}, io, { TRENT_DATA_DIR: dataDir }), 0);
  });

  test("registerAuditCommands adds audit verify and audit query with their options", () => {
    const program = new Command();
    registerAuditCommands(program);
    const audit = program.commands.find((c) => c.name() === "audit");
    assert.ok(audit !== undefined);
    const verify = audit.commands.find((c) => c.name() === "verify");
    const query = audit.commands.find((c) => c.name() === "query");
    assert.ok(verify !== undefined && query !== undefined);
    assert.deepEqual(verify.options.map((o) => o.long), ["--data-dir", "--json"]);
    assert.deepEqual(query.options.map((o) => o.long), ["--data-dir", "--from", "--to", "--key", "--principal", "--event", "--error", "--output"]);
  });
});
