import { CreateGrantCommand, CreateKeyCommand, EncryptCommand } from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { consoleKeyPolicy, keyArnOf, policy, rootStatement, userArn, useWorld, type Principal } from "../support/authz.js";
import { expectError, setup } from "../support/harness.js";

/** `trent explain` (CLI over a data directory or a running server), POST /_trent/explain, denial logs. */

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "cli", "main.js");
const lines: Record<string, unknown>[] = [];
const w = useWorld({ log: (l) => lines.push(l) });
let alice: Principal;
let K = "";
let KC = "";
let grantId = "";

setup(async () => {
  alice = await w.user("alice");
  await w.user("bob");
  await w.user("gina");
  K = await w.createKey({ Policy: consoleKeyPolicy([userArn("alice")], [userArn("bob")]) });
  KC = await w.createKey({
    Policy: policy(rootStatement(), { Sid: "BillingOnly", Effect: "Allow", Principal: { AWS: userArn("alice") }, Action: "kms:Encrypt", Resource: "*", Condition: { StringEquals: { "kms:EncryptionContext:app": "billing" } } }),
  });
  grantId = (await w.rootA.client.send(new CreateGrantCommand({ KeyId: K, GranteePrincipal: userArn("gina"), Operations: ["Decrypt"] }))).GrantId ?? "";
});

/** Runs the CLI as a child process (asynchronously: the server it may call lives in this process). */
function trent(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env["TRENT_DATABASE_URL"];
  delete env["TRENT_DATA_DIR"];
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolveRun({ status: code ?? -1, stdout, stderr }));
  });
}

async function explainJson(...args: string[]): Promise<Record<string, unknown> & { Trace: string[] }> {
  const r = await trent("explain", "--data-dir", w.h.dataDir, "--output", "json", ...args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown> & { Trace: string[] };
}

describe("trent explain over a data directory", () => {
  test("explains a denial: the AWS message, every key-policy statement, the missing identity policy", async () => {
    const r = await explainJson("--principal", userArn("alice"), "--action", "kms:Encrypt", "--key", K);
    assert.equal(r["Decision"], "DENIED");
    assert.equal(r["Resource"], keyArnOf(K));
    assert.equal(
      r["Message"],
      `User: ${userArn("alice")} is not authorized to perform: kms:Encrypt on resource: ${keyArnOf(K)} because no identity-based policy allows the kms:Encrypt action`,
    );
    assert.ok(r.Trace.includes(`no identity policies are attached to ${userArn("alice")}`));
    assert.ok(r.Trace.some((l) => l.startsWith('key policy statement 0 "Enable IAM User Permissions" (Allow): applies (Principal names the caller\'s account')));
    assert.ok(r.Trace.some((l) => l.startsWith('key policy statement 2 "Allow use of the key" (Allow): does not apply: Principal:')));
    assert.match(r.Trace[r.Trace.length - 1] ?? "", /^decision: denied: the key policy delegates kms:Encrypt to account 111122223333 but no identity policy allows it$/);
  });

  test("explains an allow through the key users statement", async () => {
    const r = await explainJson("--principal", userArn("bob"), "--action", "kms:Encrypt", "--key", keyArnOf(K));
    assert.equal(r["Decision"], "ALLOWED");
    assert.equal(r["Message"], undefined);
    assert.ok(r.Trace.some((l) => l.startsWith('key policy statement 2 "Allow use of the key" (Allow): applies (Principal names the caller')));
  });

  test("shows which condition failed, and that the encryption context given satisfies it", async () => {
    const no = await explainJson("--principal", userArn("alice"), "--action", "kms:Encrypt", "--key", KC);
    assert.equal(no["Decision"], "DENIED");
    assert.ok(no.Trace.some((l) => l === 'key policy statement 1 "BillingOnly" (Allow): does not apply: Condition: StringEquals kms:EncryptionContext:app: key is absent from the request'));
    const yes = await explainJson("--principal", userArn("alice"), "--action", "kms:Encrypt", "--key", KC, "--encryption-context", "app=billing");
    assert.equal(yes["Decision"], "ALLOWED");
  });

  test("lists the grants considered", async () => {
    const r = await explainJson("--principal", userArn("gina"), "--action", "kms:Decrypt", "--key", K);
    assert.equal(r["Decision"], "ALLOWED");
    assert.ok(r.Trace.includes(`grant ${grantId}: applies`));
    const e = await explainJson("--principal", userArn("gina"), "--action", "kms:Encrypt", "--key", K);
    assert.equal(e["Decision"], "DENIED");
    assert.ok(e.Trace.includes(`grant ${grantId}: does not apply: operations [Decrypt] do not include Encrypt`));
  });

  test("explains an account-level action without --key", async () => {
    const r = await explainJson("--principal", userArn("alice"), "--action", "kms:CreateKey");
    assert.equal(r["Decision"], "DENIED");
    assert.equal(r["Resource"], "*");
  });

  test("prints text by default", async () => {
    const r = await trent("explain", "--data-dir", w.h.dataDir, "--principal", userArn("bob"), "--action", "kms:Decrypt", "--key", K);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Decision: ALLOWED\nPrincipal: arn:aws:iam::111122223333:user\/bob\nAction: kms:Decrypt\nResource: arn:aws:kms:/);
    assert.match(r.stdout, /\nTrace:\n {2}request: /);
  });

  test("an unknown principal or key is an error on stderr with exit code 1", async () => {
    const p = await trent("explain", "--data-dir", w.h.dataDir, "--principal", userArn("nobody"), "--action", "kms:Encrypt", "--key", K);
    assert.equal(p.status, 1);
    assert.match(p.stderr, /principal arn:aws:iam::111122223333:user\/nobody does not exist/);
    const k = await trent("explain", "--data-dir", w.h.dataDir, "--principal", userArn("bob"), "--action", "kms:Encrypt", "--key", "alias/none");
    assert.equal(k.status, 1);
    assert.match(k.stderr, /alias alias\/none does not exist/);
  });

  test("with --endpoint it asks the running server and prints the same result", async () => {
    const args = ["--principal", userArn("alice"), "--action", "kms:Encrypt", "--key", K, "--output", "json"];
    const viaServer = await trent("explain", "--endpoint", w.h.endpoint, ...args);
    assert.equal(viaServer.status, 0, viaServer.stderr);
    const viaDir = await trent("explain", "--data-dir", w.h.dataDir, ...args);
    assert.deepEqual(JSON.parse(viaServer.stdout), JSON.parse(viaDir.stdout));
  });
});

describe("POST /_trent/explain", () => {
  test("answers JSON for a JSON request from loopback", async () => {
    const r = await fetch(`${w.h.endpoint}/_trent/explain`, {
      method: "POST",
      body: JSON.stringify({ Principal: userArn("alice"), Action: "kms:Encrypt", Key: KC, EncryptionContext: { app: "billing" } }),
    });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { Decision: string; Trace: string[] };
    assert.equal(body.Decision, "ALLOWED");
    assert.ok(body.Trace.length > 2);
  });

  test("a bad request is 400 with a message; a GET is 405", async () => {
    const bad = await fetch(`${w.h.endpoint}/_trent/explain`, { method: "POST", body: JSON.stringify({ Action: "kms:Encrypt" }) });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { message: "Principal must be a non-empty string" });
    const get = await fetch(`${w.h.endpoint}/_trent/explain`);
    assert.equal(get.status, 405);
  });
});

describe("denied calls log their decision trace", () => {
  test("under the request id of the denied call, without the plaintext", async () => {
    const secret = Buffer.from("the-plaintext-that-must-not-be-logged");
    const err = await expectError(alice.client.send(new EncryptCommand({ KeyId: K, Plaintext: secret })), "AccessDeniedException");
    const requestId = (err as Error & { $metadata?: { requestId?: string } }).$metadata?.requestId;
    assert.ok(requestId !== undefined);
    const line = lines.find((l) => l["msg"] === "access denied" && l["requestId"] === requestId);
    assert.ok(line !== undefined, "no access-denied log line for the request");
    assert.equal(line["principal"], userArn("alice"));
    assert.equal(line["action"], "kms:Encrypt");
    assert.equal(line["resource"], keyArnOf(K));
    assert.equal(line["reason"], err.message);
    assert.ok(Array.isArray(line["trace"]) && (line["trace"] as string[]).some((l) => l.startsWith("key policy statement 0")));
    const all = JSON.stringify(lines);
    assert.ok(!all.includes(secret.toString("base64")) && !all.includes(secret.toString("utf8")));
  });

  test("allowed calls log no trace", async () => {
    const before0 = lines.filter((l) => l["msg"] === "access denied").length;
    await w.rootA.client.send(new CreateKeyCommand({}));
    assert.equal(lines.filter((l) => l["msg"] === "access denied").length, before0);
  });
});

describe("trent account delete", () => {
  test("refuses an account that still has keys, deletes one that has none", async () => {
    const withKeys = "555566667777";
    await w.ids.createAccount(withKeys);
    const root = await w.accountRoot(withKeys);
    await root.client.send(new CreateKeyCommand({}));
    const refused = await trent("account", "delete", "--data-dir", w.h.dataDir, "--account-id", withKeys);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /account 555566667777 still has keys/);
    assert.ok((await w.h.trent.store.getAccount(withKeys)) !== undefined);

    const empty = "888899990000";
    await w.ids.createAccount(empty);
    await w.ids.createPrincipal(empty, "IAMUser", "temp");
    const done = await trent("account", "delete", "--data-dir", w.h.dataDir, "--account-id", empty, "--output", "json");
    assert.equal(done.status, 0, done.stderr);
    assert.deepEqual(JSON.parse(done.stdout), { Deleted: empty });
    assert.equal(await w.h.trent.store.getAccount(empty), undefined);
    assert.equal(await w.h.trent.store.getPrincipal(userArn("temp", empty)), undefined);
    const again = await trent("account", "delete", "--data-dir", w.h.dataDir, "--account-id", empty);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /account 888899990000 does not exist/);
  });
});
