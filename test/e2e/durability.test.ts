import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  type AliasListEntry,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync, statSync } from "node:fs";
import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { DEV_ACCOUNT, REGION, expectError, tempDir } from "../support/harness.js";
import { allPages } from "../support/paging.js";
import { signedHeaders } from "../support/signed-request.js";

// Trent runs here as a separate process (the `trent serve` command line), so that it can be
// killed with SIGKILL at any moment, as a crash or an OOM kill would, and restarted on the same
// data directory. The design's promise: an acknowledged state change survives, and every
// ciphertext Trent returned stays decryptable.

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const START_TIMEOUT_MS = 20_000;
const EXIT_TIMEOUT_MS = 20_000;

interface Child {
  readonly proc: ChildProcess;
  readonly endpoint: string;
  readonly pid: number;
  /** Every stdout line so far. */
  readonly stdout: string[];
  /** Resolves with the exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when a stdout line satisfies `pred` (rejects after `ms`). */
  waitForLine(pred: (line: string) => boolean, ms: number): Promise<string>;
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];
const clients: KMSClient[] = [];

after(() => {
  for (const c of clients) c.destroy();
  for (const p of children) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function newDataDir(): string {
  const d = tempDir("trent-durability-");
  dirs.push(d);
  return d;
}

/** Starts `trent serve --port 0 --data-dir DIR` and waits for its "listening" line. */
async function startChild(dataDir: string): Promise<Child> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("TRENT_")) env[k] = v;
  const proc = spawn(process.execPath, [MAIN, "serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(proc);
  const stdout: string[] = [];
  let stderr = "";
  const waiters = new Set<{ pred: (l: string) => boolean; resolve: (l: string) => void }>();
  let partial = "";
  proc.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf("\n")) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      stdout.push(line);
      for (const w of [...waiters]) {
        if (w.pred(line)) {
          waiters.delete(w);
          w.resolve(line);
        }
      }
    }
  });
  proc.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    if (stderr.length < 8192) stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => {
      children.delete(proc);
      resolve({ code, signal });
    }),
  );
  const waitForLine = (pred: (l: string) => boolean, ms: number): Promise<string> => {
    const seen = stdout.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const w = { pred, resolve: (l: string) => (clearTimeout(timer), resolve(l)) };
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`no matching stdout line within ${ms} ms; stderr: ${stderr.slice(0, 2000)}`));
      }, ms);
      waiters.add(w);
    });
  };
  const listening = await Promise.race([
    waitForLine((l) => endpointOf(l) !== undefined, START_TIMEOUT_MS),
    exited.then(({ code, signal }) => {
      throw new Error(`trent exited before listening (code ${code}, signal ${signal}); stderr: ${stderr.slice(0, 2000)}`);
    }),
  ]);
  const endpoint = endpointOf(listening) ?? "";
  assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  if (proc.pid === undefined) throw new Error("no pid");
  return { proc, pid: proc.pid, endpoint, stdout, exited, waitForLine };
}

/** The endpoint named by a JSON stdout line ("trent listening"), if it is one. */
function endpointOf(line: string): string | undefined {
  try {
    const v = JSON.parse(line) as unknown;
    if (typeof v !== "object" || v === null) return undefined;
    const e = (v as { endpoint?: unknown }).endpoint;
    return typeof e === "string" ? e : undefined;
  } catch {
    return undefined;
  }
}

async function waitExit(c: Child): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`trent (pid ${c.pid}) did not exit within ${EXIT_TIMEOUT_MS} ms`)), EXIT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([c.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** kill -9, then wait for the process to be gone. */
async function crash(c: Child): Promise<void> {
  c.proc.kill("SIGKILL");
  const r = await waitExit(c);
  assert.equal(r.signal, "SIGKILL");
}

function clientFor(c: Child): KMSClient {
  const k = new KMSClient({
    endpoint: c.endpoint,
    region: REGION,
    maxAttempts: 1,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  });
  clients.push(k);
  return k;
}

async function decryptsTo(kms: KMSClient, blob: Uint8Array, plaintext: Buffer, ec?: Record<string, string>): Promise<boolean> {
  const r = await kms.send(new DecryptCommand({ CiphertextBlob: blob, ...(ec ? { EncryptionContext: ec } : {}) }));
  return Buffer.from(r.Plaintext ?? []).equals(plaintext);
}

async function allAliases(kms: KMSClient): Promise<AliasListEntry[]> {
  return (await allPages("ListAliases", 50, (marker) => kms.send(new ListAliasesCommand({ Limit: 100, ...marker })), (r) => r.Aliases)).items;
}

const POLICY = JSON.stringify({
  Version: "2012-10-17",
  Id: "durability-policy",
  Statement: [
    {
      Sid: "Enable IAM User Permissions",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${DEV_ACCOUNT}:root` },
      Action: "kms:*",
      Resource: "*",
    },
    {
      Sid: "Marker statement for the durability test",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${DEV_ACCOUNT}:root` },
      Action: ["kms:Encrypt", "kms:Decrypt"],
      Resource: "*",
    },
  ],
});

describe("durability across kill -9", () => {
  test("every acknowledged key, alias, tag, policy, state change and ciphertext survives a SIGKILL right after the responses", { timeout: 120_000 }, async () => {
    const dir = newDataDir();
    const first = await startChild(dir);
    const kms = clientFor(first);

    const a = (await kms.send(new CreateKeyCommand({ Description: "durable A", Tags: [{ TagKey: "team", TagValue: "red" }] }))).KeyMetadata;
    const b = (await kms.send(new CreateKeyCommand({ Description: "durable B" }))).KeyMetadata;
    const c = (await kms.send(new CreateKeyCommand({ Description: "durable C" }))).KeyMetadata;
    const d = (await kms.send(new CreateKeyCommand({ Description: "durable D" }))).KeyMetadata;
    assert.ok(a?.KeyId && b?.KeyId && c?.KeyId && d?.KeyId);
    await kms.send(new CreateAliasCommand({ AliasName: "alias/durable-a", TargetKeyId: a.KeyId }));
    await kms.send(new CreateAliasCommand({ AliasName: "alias/durable-moved", TargetKeyId: b.KeyId }));
    await kms.send(new UpdateAliasCommand({ AliasName: "alias/durable-moved", TargetKeyId: c.KeyId }));
    await kms.send(new TagResourceCommand({ KeyId: a.KeyId, Tags: [{ TagKey: "env", TagValue: "prod" }, { TagKey: "gone", TagValue: "x" }] }));
    await kms.send(new UntagResourceCommand({ KeyId: a.KeyId, TagKeys: ["gone"] }));
    await kms.send(new PutKeyPolicyCommand({ KeyId: a.KeyId, PolicyName: "default", Policy: POLICY }));

    const sealed: { blob: Uint8Array; plaintext: Buffer; ec?: Record<string, string> }[] = [];
    for (const [i, keyId] of [a.KeyId, b.KeyId, c.KeyId, "alias/durable-a", "alias/durable-moved"].entries()) {
      const plaintext = randomBytes(16 + i * 40);
      const ec = i % 2 === 0 ? { n: String(i), "é": "ü" } : undefined;
      const r = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, ...(ec ? { EncryptionContext: ec } : {}) }));
      assert.ok(r.CiphertextBlob);
      sealed.push({ blob: r.CiphertextBlob, plaintext, ...(ec ? { ec } : {}) });
    }
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: b.KeyId, KeySpec: "AES_256" }));
    assert.ok(dk.CiphertextBlob && dk.Plaintext);
    sealed.push({ blob: dk.CiphertextBlob, plaintext: Buffer.from(dk.Plaintext) });
    await kms.send(new DisableKeyCommand({ KeyId: c.KeyId }));
    const sched = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: d.KeyId, PendingWindowInDays: 9 }));
    assert.ok(sched.DeletionDate);

    await crash(first); // SIGKILL immediately after the last acknowledged response

    const second = await startChild(dir);
    const kms2 = clientFor(second);

    const da = (await kms2.send(new DescribeKeyCommand({ KeyId: a.KeyId }))).KeyMetadata;
    assert.equal(da?.Description, "durable A");
    assert.equal(da?.KeyState, "Enabled");
    assert.equal(da?.Arn, a.Arn);
    assert.equal((await kms2.send(new DescribeKeyCommand({ KeyId: "alias/durable-a" }))).KeyMetadata?.KeyId, a.KeyId);
    assert.equal((await kms2.send(new DescribeKeyCommand({ KeyId: "alias/durable-moved" }))).KeyMetadata?.KeyId, c.KeyId);
    assert.equal((await kms2.send(new DescribeKeyCommand({ KeyId: c.KeyId }))).KeyMetadata?.KeyState, "Disabled");
    const dd = (await kms2.send(new DescribeKeyCommand({ KeyId: d.KeyId }))).KeyMetadata;
    assert.equal(dd?.KeyState, "PendingDeletion");
    assert.equal(dd?.DeletionDate?.getTime(), sched.DeletionDate.getTime());

    const aliases = await allAliases(kms2);
    const ours = aliases
      .filter((x) => x.AliasName?.startsWith("alias/durable-"))
      .map((x) => `${x.AliasName}->${x.TargetKeyId}`)
      .sort();
    assert.deepEqual(ours, [`alias/durable-a->${a.KeyId}`, `alias/durable-moved->${c.KeyId}`]);

    const tags = (await kms2.send(new ListResourceTagsCommand({ KeyId: a.KeyId }))).Tags ?? [];
    assert.deepEqual(
      tags.map((t) => `${t.TagKey}=${t.TagValue}`).sort(),
      ["env=prod", "team=red"],
    );
    const policy = (await kms2.send(new GetKeyPolicyCommand({ KeyId: a.KeyId, PolicyName: "default" }))).Policy;
    assert.deepEqual(JSON.parse(policy ?? "null"), JSON.parse(POLICY));

    // The disabled key's ciphertext fails for the state, not for the ciphertext; enabled again, it decrypts.
    const cBlob = sealed[2];
    assert.ok(cBlob);
    await expectError(kms2.send(new DecryptCommand({ CiphertextBlob: cBlob.blob, ...(cBlob.ec ? { EncryptionContext: cBlob.ec } : {}) })), "DisabledException");
    await kms2.send(new EnableKeyCommand({ KeyId: c.KeyId }));
    for (const [i, s] of sealed.entries()) {
      assert.ok(await decryptsTo(kms2, s.blob, s.plaintext, s.ec), `ciphertext ${i} decrypted to other bytes`);
    }
    await crash(second);
  });

  test("a SIGKILL during a burst of CreateKey and Encrypt loses no acknowledged key and strands no returned ciphertext", { timeout: 120_000 }, async (t) => {
    const dir = newDataDir();
    const first = await startChild(dir);
    const kms = clientFor(first);
    const base = (await kms.send(new CreateKeyCommand({ Description: "burst base" }))).KeyMetadata?.KeyId;
    assert.ok(base);

    const TASKS = 300;
    const KILL_AFTER = 40;
    const ackedKeys: string[] = [];
    const ackedBlobs: { blob: Uint8Array; plaintext: Buffer; keyId: string; ec: Record<string, string> }[] = [];
    let acks = 0;
    let killed = false;
    const ack = () => {
      acks++;
      if (!killed && acks >= KILL_AFTER) {
        killed = true;
        first.proc.kill("SIGKILL");
      }
    };
    const encrypt = async (keyId: string, i: number) => {
      const plaintext = randomBytes(1 + (i % 97));
      const ec = { task: String(i) };
      const r = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: ec }));
      ack();
      assert.ok(r.CiphertextBlob);
      ackedBlobs.push({ blob: r.CiphertextBlob, plaintext, keyId, ec });
    };
    const task = async (i: number) => {
      if (i % 2 === 0) {
        const r = await kms.send(new CreateKeyCommand({ Description: `burst ${i}` }));
        ack();
        const keyId = r.KeyMetadata?.KeyId;
        assert.ok(keyId);
        ackedKeys.push(keyId);
        await encrypt(keyId, i);
      } else {
        await encrypt(base, i);
      }
    };
    const results = await Promise.allSettled(Array.from({ length: TASKS }, (_, i) => task(i)));
    const r = await waitExit(first);
    assert.equal(r.signal, "SIGKILL");
    assert.ok(killed, "the burst finished before the kill");
    const failed = results.filter((x) => x.status === "rejected").length;
    assert.ok(failed > 0, "no request was cut off by the kill: the test did not kill mid-burst");
    assert.ok(acks >= KILL_AFTER);
    t.diagnostic(`${acks} responses acknowledged (${ackedKeys.length} keys, ${ackedBlobs.length} ciphertexts); ${failed} of ${TASKS} tasks cut off`);

    const second = await startChild(dir);
    const kms2 = clientFor(second);
    for (const keyId of [base, ...ackedKeys]) {
      const m = (await kms2.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
      assert.equal(m?.KeyState, "Enabled", `acknowledged key ${keyId} is missing or not enabled`);
    }
    for (const [i, s] of ackedBlobs.entries()) {
      const ok = await decryptsTo(kms2, s.blob, s.plaintext, s.ec).catch((e: unknown) => {
        throw new Error(`acknowledged ciphertext ${i} (key ${s.keyId}) does not decrypt after restart: ${(e as Error).name}`);
      });
      assert.ok(ok, `ciphertext ${i} decrypted to other bytes`);
    }
    await crash(second);
  });
});


// ---------------------------------------------------------------------------------------------
// Graceful stop. The in-flight requests are sent by hand (SigV4 by @smithy/signature-v4) with
// `Expect: 100-continue`: node's server answers "100 Continue" in the same step in which it hands
// the request to Trent, so once the client has seen it the request is provably in flight. The body
// is sent only after SIGTERM has been handled.
// ---------------------------------------------------------------------------------------------

interface HeldRequest {
  /** Sends the rest of the body; resolves with status and parsed JSON body. */
  finish(): Promise<{ status: number; body: Record<string, unknown> }>;
}

/** Sends a signed KMS request's headers, waits for 100 Continue, and holds the body back. */
async function holdRequest(endpoint: string, operation: string, payload: Record<string, unknown>): Promise<HeldRequest> {
  const url = new URL(endpoint);
  const port = Number(url.port);
  const body = Buffer.from(JSON.stringify(payload), "utf8");
  const signed = await signedHeaders(url, {
    headers: {
      host: `${url.hostname}:${port}`,
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `TrentService.${operation}`,
      "content-length": String(body.length),
    },
    body,
  });
  const headers: Record<string, string> = { ...signed, expect: "100-continue" };
  let req: ClientRequest | undefined;
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req = httpRequest({ host: url.hostname, port, method: "POST", path: "/", headers, agent: false, timeout: 30_000 }, resolve);
    req.on("error", reject);
    req.on("timeout", () => req?.destroy(new Error("request timed out")));
  });
  const r = req as ClientRequest | undefined;
  if (r === undefined) throw new Error("request not created");
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no 100 Continue within 10 s")), 10_000);
    r.once("continue", () => {
      clearTimeout(timer);
      resolve();
    });
    response.catch((e: unknown) => {
      clearTimeout(timer);
      reject(e instanceof Error ? e : new Error(String(e)));
    });
    r.flushHeaders();
  });
  return {
    async finish() {
      r.end(body);
      const res = await response;
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      return { status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown> };
    },
  };
}

describe("graceful stop and files", () => {
  test("SIGTERM lets in-flight requests finish with 200, refuses new connections, exits 0, and what they did is durable", { timeout: 120_000 }, async () => {
    const dir = newDataDir();
    const first = await startChild(dir);
    const kms = clientFor(first);
    const keyId = (await kms.send(new CreateKeyCommand({ Description: "sigterm" }))).KeyMetadata?.KeyId;
    assert.ok(keyId);

    const plaintexts = Array.from({ length: 4 }, (_, i) => randomBytes(8 + i));
    const held: HeldRequest[] = [];
    for (const p of plaintexts) {
      held.push(await holdRequest(first.endpoint, "Encrypt", { KeyId: keyId, Plaintext: p.toString("base64"), EncryptionContext: { t: "sigterm" } }));
    }
    for (let i = 0; i < 3; i++) held.push(await holdRequest(first.endpoint, "CreateKey", { Description: `in flight ${i}` }));

    first.proc.kill("SIGTERM");
    await first.waitForLine((l) => l.includes('"stopping"'), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The listener is closed: a new connection is refused while the held requests are still open.
    await assert.rejects(fetch(`${first.endpoint}/healthz`));

    const answers = await Promise.all(held.map((h) => h.finish()));
    assert.deepEqual(answers.map((a) => a.status), held.map(() => 200));
    const exit = await waitExit(first);
    assert.deepEqual(exit, { code: 0, signal: null });

    const second = await startChild(dir);
    const kms2 = clientFor(second);
    for (const [i, p] of plaintexts.entries()) {
      const blob = Buffer.from(String(answers[i]?.body["CiphertextBlob"]), "base64");
      assert.ok(await decryptsTo(kms2, blob, p, { t: "sigterm" }), `ciphertext ${i} decrypted to other bytes`);
    }
    for (const a of answers.slice(plaintexts.length)) {
      const meta = a.body["KeyMetadata"] as { KeyId?: string } | undefined;
      assert.ok(meta?.KeyId);
      assert.equal((await kms2.send(new DescribeKeyCommand({ KeyId: meta.KeyId }))).KeyMetadata?.KeyState, "Enabled");
    }
    second.proc.kill("SIGTERM");
    assert.deepEqual(await waitExit(second), { code: 0, signal: null });
  });

  test("root-key.json in the data directory is created with mode 0600", { timeout: 60_000 }, async () => {
    const dir = newDataDir();
    const c = await startChild(dir);
    try {
      assert.equal(statSync(join(dir, "root-key.json")).mode & 0o777, 0o600);
    } finally {
      await crash(c);
    }
    // A restart (which reads it) leaves the mode alone.
    const again = await startChild(dir);
    try {
      assert.equal(statSync(join(dir, "root-key.json")).mode & 0o777, 0o600);
    } finally {
      await crash(again);
    }
  });
});
