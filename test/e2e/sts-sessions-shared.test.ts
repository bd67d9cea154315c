import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, describe, test } from "node:test";
import { resolveConfig } from "../../src/service/config.js";
import { Identities } from "../../src/service/identities.js";
import { rotateRoot } from "../../src/service/root-rotation.js";
import { Trent } from "../../src/service/trent.js";
import { tempDir } from "../support/harness.js";
import { kmsRaw, sessionCreds, sts, xmlText, type Creds } from "../support/sts-calls.js";

/**
 * STS role sessions live in the store: two Trents on the same data see each other's sessions, a
 * session outlives a restart, an expired one is refused and swept, and deleting the role ends them.
 */

const ACCOUNT = "111122223333";
const ROOT: Creds = { accessKeyId: "test", secretAccessKey: "test" };
const ROLE = `arn:aws:iam::${ACCOUNT}:role/Shared`;
let offsetMs = 0;
const now = (): number => Date.now() + offsetMs;
const dataDir = tempDir("trent-sts-shared-");
const running = new Set<Trent>();

async function start(): Promise<Trent> {
  const t = await Trent.start(resolveConfig({ port: "0", dataDir }, { TRENT_CACHE_TTL_MS: "200" }), { log: () => {}, now });
  running.add(t);
  return t;
}

async function stop(t: Trent): Promise<void> {
  running.delete(t);
  await t.stop();
}

after(async () => {
  for (const t of running) await t.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function assume(t: Trent, session: string, extra: Record<string, string> = {}): Promise<Creds> {
  const r = await sts(t.endpoint, ROOT, { Action: "AssumeRole", RoleArn: ROLE, RoleSessionName: session, ...extra });
  assert.equal(r.status, 200, r.body);
  return sessionCreds(r.body);
}

async function whoAmI(t: Trent, c: Creds, at?: number): Promise<{ status: number; code: string | undefined; arn: string | undefined }> {
  const r = await sts(t.endpoint, c, { Action: "GetCallerIdentity" }, at);
  return { status: r.status, code: xmlText(r.body, "Code"), arn: xmlText(r.body, "Arn") };
}

describe("STS sessions shared through the store", () => {
  test("a session issued by one Trent is accepted by a second Trent on the same data, and survives a restart", async () => {
    const a = await start();
    const ids = new Identities(a.store, a.keystore);
    await ids.createPrincipal(ACCOUNT, "Role", "Shared");
    await ids.putPolicy(ROLE, "list", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:ListKeys", Resource: "*" }] }));
    const b = await start();
    const s = await assume(a, "one");
    assert.match(s.accessKeyId, /^ASIA/);
    const onB = await whoAmI(b, s);
    assert.equal(onB.status, 200);
    assert.equal(onB.arn, `arn:aws:sts::${ACCOUNT}:assumed-role/Shared/one`);
    const kms = await kmsRaw(b.endpoint, s, "ListKeys", {});
    assert.equal(kms.status, 200, kms.body);
    // The session's secret and token are nowhere in the stored record.
    const stored = await b.store.getRoleSession(s.accessKeyId);
    assert.ok(stored);
    assert.ok(!stored.secret.blob.includes(Buffer.from(s.secretAccessKey)));
    assert.ok(!stored.tokenHash.includes(Buffer.from(s.sessionToken ?? "")));

    await stop(a);
    await stop(b);
    const c = await start();
    assert.equal((await whoAmI(c, s)).status, 200, "the session outlives a restart");
    await stop(c);
  });

  test("an expired session is refused by every node, then swept from the store", async () => {
    const a = await start();
    const b = await start();
    const s = await assume(a, "short", { DurationSeconds: "900" });
    assert.equal((await whoAmI(b, s)).status, 200);
    offsetMs += 901_000;
    try {
      const at = now();
      for (const t of [a, b]) {
        const r = await whoAmI(t, s, at);
        assert.equal(r.status, 403);
        assert.equal(r.code, "ExpiredToken");
      }
      assert.ok(await a.store.getRoleSession(s.accessKeyId));
      await a.scheduler.runOnce();
      assert.equal(await a.store.getRoleSession(s.accessKeyId), undefined, "the sweep deleted it");
      await new Promise((done) => setTimeout(done, 250)); // past the session cache's TTL
      const r = await whoAmI(b, s, now());
      assert.equal(r.status, 403);
      assert.equal(r.code, "InvalidClientTokenId");
    } finally {
      offsetMs -= 901_000;
    }
    await stop(a);
    await stop(b);
  });

  test("deleting the role on one node ends its sessions on every node", async () => {
    const a = await start();
    const b = await start();
    const s = await assume(a, "doomed");
    assert.equal((await whoAmI(b, s)).status, 200);
    await new Identities(a.store, a.keystore).deletePrincipal(ROLE);
    let code: string | undefined;
    for (let i = 0; i < 50 && code === undefined; i++) {
      const r = await whoAmI(b, s);
      if (r.status !== 200) code = r.code;
      else await new Promise((done) => setTimeout(done, 100));
    }
    assert.equal(code, "InvalidClientTokenId");
    const k = await kmsRaw(a.endpoint, s, "ListKeys", {});
    assert.equal((JSON.parse(k.body) as { __type: string }).__type, "UnrecognizedClientException");
    assert.equal(await a.store.getRoleSession(s.accessKeyId), undefined, "the role's sessions were deleted with it");
    await stop(a);
    await stop(b);
  });

  test("a root rotation ends the sessions wrapped under the older root", async () => {
    const a = await start();
    await new Identities(a.store, a.keystore).createPrincipal(ACCOUNT, "Role", "Shared");
    const s = await assume(a, "rotated");
    assert.equal((await whoAmI(a, s)).status, 200);
    await rotateRoot(a.store, a.keystore, dataDir);
    assert.equal(await a.store.getRoleSession(s.accessKeyId), undefined);
    await new Promise((done) => setTimeout(done, 250)); // past the session cache's TTL
    assert.equal((await whoAmI(a, s)).code, "InvalidClientTokenId");
    const fresh = await assume(a, "after");
    assert.equal((await whoAmI(a, fresh)).status, 200);
    await stop(a);
  });
});
