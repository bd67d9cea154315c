import { DecryptCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { queryAuditLog } from "../../src/audit/index.js";
import { ACCOUNT_A, policy, ROOT_A, roleArn, userArn, useWorld } from "../support/authz.js";
import { expectError, REGION, setup } from "../support/harness.js";
import { kmsRaw, sessionCreds, sts, xmlText, type Creds } from "../support/sts-calls.js";

/**
 * A minimal STS on Trent's endpoint: GetCallerIdentity and AssumeRole over the Query protocol,
 * and KMS calls signed with the session credentials AssumeRole returns.
 */

let offsetMs = 0;
const w = useWorld({ now: () => Date.now() + offsetMs });
const ROOT: Creds = { accessKeyId: "test", secretAccessKey: "test" };
const creds: Record<string, Creds> = {};
let keyId = "";

async function principal(type: "IAMUser" | "Role", name: string, policies: Record<string, string> = {}): Promise<Creds> {
  const p = await w.ids.createPrincipal(ACCOUNT_A, type, name);
  for (const [n, doc] of Object.entries(policies)) await w.ids.putPolicy(p.arn, n, doc);
  const k = await w.ids.createAccessKey(p.arn);
  return { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey };
}

function kmsClient(c: Creds): KMSClient {
  const sessionToken = c.sessionToken;
  return new KMSClient({
    endpoint: w.h.endpoint,
    region: REGION,
    maxAttempts: 1,
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) },
  });
}

async function assume(by: Creds, role: string, session: string, extra: Record<string, string> = {}): Promise<Creds> {
  const r = await sts(w.h.endpoint, by, { Action: "AssumeRole", RoleArn: role, RoleSessionName: session, ...extra });
  assert.equal(r.status, 200, r.body);
  return sessionCreds(r.body);
}

setup(async () => {
  await principal("Role", "Encryptor");
  await principal("Role", "Outsider");
  creds["assumer"] = await principal("IAMUser", "assumer", {
    sts: policy({ Effect: "Allow", Action: "sts:AssumeRole", Resource: [roleArn("Encryptor"), roleArn("Chained")] }),
  });
  creds["plain"] = await principal("IAMUser", "plain", { kms: policy({ Effect: "Allow", Action: "kms:*", Resource: "*" }) });
  await principal("Role", "Chained", {});
  await w.ids.putPolicy(roleArn("Encryptor"), "chain", policy({ Effect: "Allow", Action: "sts:AssumeRole", Resource: roleArn("Chained") }));
  keyId = await w.createKey({
    Description: "key policy naming a role",
    Policy: policy(
      { Effect: "Allow", Principal: { AWS: ROOT_A }, Action: "kms:*", Resource: "*" },
      { Effect: "Allow", Principal: { AWS: roleArn("Encryptor") }, Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*" },
    ),
  });
});

describe("GetCallerIdentity", () => {
  test("answers the root's account id, root ARN and account in AWS's XML shape", async () => {
    const r = await sts(w.h.endpoint, ROOT, { Action: "GetCallerIdentity" });
    assert.equal(r.status, 200);
    assert.match(r.body, /^<GetCallerIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/);
    assert.equal(xmlText(r.body, "Arn"), ROOT_A);
    assert.equal(xmlText(r.body, "UserId"), ACCOUNT_A);
    assert.equal(xmlText(r.body, "Account"), ACCOUNT_A);
    assert.match(xmlText(r.body, "RequestId") ?? "", /^[0-9a-f-]{36}$/);
  });

  test("answers a user's AIDA id and user ARN", async () => {
    const r = await sts(w.h.endpoint, creds["assumer"] ?? ROOT, { Action: "GetCallerIdentity" });
    assert.equal(xmlText(r.body, "Arn"), userArn("assumer"));
    assert.match(xmlText(r.body, "UserId") ?? "", /^AIDA[A-Z2-7]{17}$/);
  });

  test("answers ROLEID:SESSION and the assumed-role ARN for a session", async () => {
    const s = await assume(creds["assumer"] ?? ROOT, roleArn("Encryptor"), "who-am-i");
    const r = await sts(w.h.endpoint, s, { Action: "GetCallerIdentity" });
    assert.equal(r.status, 200, r.body);
    assert.equal(xmlText(r.body, "Arn"), `arn:aws:sts::${ACCOUNT_A}:assumed-role/Encryptor/who-am-i`);
    assert.match(xmlText(r.body, "UserId") ?? "", /^AROA[A-Z2-7]{17}:who-am-i$/);
  });

  test("an unknown action is InvalidAction; a bad signature SignatureDoesNotMatch; an unknown key InvalidClientTokenId", async () => {
    const a = await sts(w.h.endpoint, ROOT, { Action: "GetSessionToken" });
    assert.equal(a.status, 400);
    assert.equal(xmlText(a.body, "Code"), "InvalidAction");
    assert.equal(xmlText(a.body, "Type"), "Sender");
    const b = await sts(w.h.endpoint, { accessKeyId: "test", secretAccessKey: "wrong" }, { Action: "GetCallerIdentity" });
    assert.equal(b.status, 403);
    assert.equal(xmlText(b.body, "Code"), "SignatureDoesNotMatch");
    const c = await sts(w.h.endpoint, { accessKeyId: "AKIANOSUCHKEY0000000", secretAccessKey: "x" }, { Action: "GetCallerIdentity" });
    assert.equal(c.status, 403);
    assert.equal(xmlText(c.body, "Code"), "InvalidClientTokenId");
    assert.equal(xmlText(c.body, "Message"), "The security token included in the request is invalid.");
  });
});

describe("AssumeRole", () => {
  test("returns ASIA credentials, a session token and an expiration an hour away by default", async () => {
    const r = await sts(w.h.endpoint, creds["assumer"] ?? ROOT, { Action: "AssumeRole", RoleArn: roleArn("Encryptor"), RoleSessionName: "s1" });
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /^<AssumeRoleResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/);
    const s = sessionCreds(r.body);
    assert.match(s.accessKeyId, /^ASIA[A-Z0-9]{16}$/);
    assert.ok(Buffer.from(s.sessionToken ?? "", "base64").length >= 32);
    const ttl = Date.parse(s.expiration) - Date.now() - offsetMs;
    assert.ok(ttl > 3590_000 && ttl <= 3600_000, `expiration ${s.expiration}`);
    assert.equal(xmlText(r.body, "Arn"), `arn:aws:sts::${ACCOUNT_A}:assumed-role/Encryptor/s1`);
    assert.match(xmlText(r.body, "AssumedRoleId") ?? "", /^AROA[A-Z2-7]{17}:s1$/);
  });

  test("a user whose policies do not allow sts:AssumeRole on the role is AccessDenied with AWS's message", async () => {
    const r = await sts(w.h.endpoint, creds["plain"] ?? ROOT, { Action: "AssumeRole", RoleArn: roleArn("Encryptor"), RoleSessionName: "nope" });
    assert.equal(r.status, 403);
    assert.match(r.body, /<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">\s*<Error>\s*<Type>Sender<\/Type>\s*<Code>AccessDenied<\/Code>/);
    assert.equal(xmlText(r.body, "Message"), `User: ${userArn("plain")} is not authorized to perform: sts:AssumeRole on resource: ${roleArn("Encryptor")}`);
    const other = await sts(w.h.endpoint, creds["assumer"] ?? ROOT, { Action: "AssumeRole", RoleArn: roleArn("Outsider"), RoleSessionName: "nope" });
    assert.equal(xmlText(other.body, "Code"), "AccessDenied");
  });

  test("the root may assume any role of its account, none of another account nor a missing one", async () => {
    await assume(ROOT, roleArn("Outsider"), "root-session");
    for (const role of [roleArn("Encryptor", "444455556666"), roleArn("Missing")]) {
      const r = await sts(w.h.endpoint, ROOT, { Action: "AssumeRole", RoleArn: role, RoleSessionName: "x1" });
      assert.equal(xmlText(r.body, "Code"), "AccessDenied");
      assert.equal(xmlText(r.body, "Message"), `User: ${ROOT_A} is not authorized to perform: sts:AssumeRole on resource: ${role}`);
    }
  });

  test("validates RoleSessionName, DurationSeconds and ExternalId, and refuses Policy", async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ RoleSessionName: "a" }, /at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2/],
      [{ RoleSessionName: "a".repeat(65) }, /Member must have length less than or equal to 64/],
      [{ RoleSessionName: "bad name" }, /Member must satisfy regular expression pattern: \[\\w\+=,\.@-\]\*/],
      [{ RoleSessionName: "ok", DurationSeconds: "899" }, /at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900/],
      [{ RoleSessionName: "ok", DurationSeconds: "43201" }, /Member must have value less than or equal to 43200/],
      [{ RoleSessionName: "ok", ExternalId: "x" }, /at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2/],
      [{ RoleSessionName: "ok", ExternalId: "bad id" }, /at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern/],
      [{ RoleSessionName: "ok", Policy: "{}" }, /does not support Policy/],
    ];
    for (const [params, message] of cases) {
      const r = await sts(w.h.endpoint, ROOT, { Action: "AssumeRole", RoleArn: roleArn("Encryptor"), ...params });
      assert.equal(r.status, 400, JSON.stringify(params));
      assert.equal(xmlText(r.body, "Code"), "ValidationError");
      assert.match(xmlText(r.body, "Message") ?? "", message);
    }
  });

  test("a session may assume another role only when its role's policies allow it, for at most an hour", async () => {
    const s = await assume(creds["assumer"] ?? ROOT, roleArn("Encryptor"), "chain1");
    const chained = await assume(s, roleArn("Chained"), "chain2");
    const who = await sts(w.h.endpoint, chained, { Action: "GetCallerIdentity" });
    assert.equal(xmlText(who.body, "Arn"), `arn:aws:sts::${ACCOUNT_A}:assumed-role/Chained/chain2`);
    const long = await sts(w.h.endpoint, s, { Action: "AssumeRole", RoleArn: roleArn("Chained"), RoleSessionName: "x2", DurationSeconds: "7200" });
    assert.equal(xmlText(long.body, "Code"), "ValidationError");
    const denied = await sts(w.h.endpoint, chained, { Action: "AssumeRole", RoleArn: roleArn("Encryptor"), RoleSessionName: "back" });
    assert.equal(xmlText(denied.body, "Message"), `User: arn:aws:sts::${ACCOUNT_A}:assumed-role/Chained/chain2 is not authorized to perform: sts:AssumeRole on resource: ${roleArn("Encryptor")}`);
  });
});

describe("KMS calls with session credentials", () => {
  test("a session of a role the key policy names encrypts and decrypts; a session of another role is denied", async () => {
    const s = await assume(creds["assumer"] ?? ROOT, roleArn("Encryptor"), "crypto");
    const kms = kmsClient(s);
    const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("hello") }));
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    assert.equal(Buffer.from(dec.Plaintext ?? new Uint8Array()).toString(), "hello");
    kms.destroy();
    const other = kmsClient(await assume(ROOT, roleArn("Outsider"), "crypto"));
    const e = await expectError(other.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") })), "AccessDeniedException");
    assert.match(e.message, new RegExp(`^User: arn:aws:sts::${ACCOUNT_A}:assumed-role/Outsider/crypto is not authorized to perform: kms:Encrypt`));
    other.destroy();
  });

  test("STS calls are audited too: AssumeRole with its parameters and the session's key id (never its secret or token), a denial, GetCallerIdentity", async () => {
    const r = await sts(w.h.endpoint, creds["assumer"] ?? ROOT, { Action: "AssumeRole", RoleArn: roleArn("Encryptor"), RoleSessionName: "audit-me", DurationSeconds: "900" });
    assert.equal(r.status, 200, r.body);
    const issued = sessionCreds(r.body);
    const denied = await sts(w.h.endpoint, creds["plain"] ?? ROOT, { Action: "AssumeRole", RoleArn: roleArn("Encryptor"), RoleSessionName: "nope" });
    assert.equal(denied.status, 403);
    assert.equal((await sts(w.h.endpoint, issued, { Action: "GetCallerIdentity" })).status, 200);
    const found = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < 50 && found.size < 3; i++) {
      for await (const e of queryAuditLog(join(w.h.dataDir, "audit"), {})) {
        const ev = e.event as unknown as Record<string, unknown>;
        const params = (ev["requestParameters"] ?? {}) as Record<string, unknown>;
        if (ev["eventName"] === "AssumeRole" && params["roleSessionName"] === "audit-me") found.set("assumed", ev);
        if (ev["eventName"] === "AssumeRole" && params["roleSessionName"] === "nope") found.set("denied", ev);
        if (ev["eventName"] === "GetCallerIdentity" && (ev["userIdentity"] as Record<string, unknown>)["accessKeyId"] === issued.accessKeyId) found.set("whoami", ev);
      }
      if (found.size < 3) await new Promise((res) => setTimeout(res, 100));
    }
    const assumed = found.get("assumed");
    assert.ok(assumed, "an AssumeRole record");
    assert.equal(assumed["eventSource"], "sts.amazonaws.com");
    assert.equal(assumed["readOnly"], true);
    assert.deepEqual(assumed["requestParameters"], { durationSeconds: 900, roleArn: roleArn("Encryptor"), roleSessionName: "audit-me" });
    const re = assumed["responseElements"] as { credentials: Record<string, string>; assumedRoleUser: Record<string, string> };
    assert.equal(re.credentials["accessKeyId"], issued.accessKeyId);
    assert.equal(re.assumedRoleUser["arn"], `arn:aws:sts::${ACCOUNT_A}:assumed-role/Encryptor/audit-me`);
    assert.equal(found.get("denied")?.["errorCode"], "AccessDenied");
    assert.equal(found.get("whoami")?.["eventSource"], "sts.amazonaws.com");
    let log = "";
    for await (const e of queryAuditLog(join(w.h.dataDir, "audit"), {})) log += JSON.stringify(e.event);
    assert.ok(log.includes(issued.accessKeyId));
    assert.ok(!log.includes(issued.secretAccessKey) && !log.includes(issued.sessionToken ?? "-"), "no secret or token anywhere in the audit log");
  });

  test("the audit record of a session call says AssumedRole, with the role as session issuer", async () => {
    const s = await assume(creds["assumer"] ?? ROOT, roleArn("Encryptor"), "audited");
    const kms = kmsClient(s);
    await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("a") }));
    kms.destroy();
    const sessionArn = `arn:aws:sts::${ACCOUNT_A}:assumed-role/Encryptor/audited`;
    let found: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && found === undefined; i++) {
      for await (const e of queryAuditLog(join(w.h.dataDir, "audit"), { principal: sessionArn, eventName: "Encrypt" })) found = e.event.userIdentity as unknown as Record<string, unknown>;
      if (found === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(found, "an Encrypt record of the session");
    assert.equal(found["type"], "AssumedRole");
    assert.equal(found["arn"], sessionArn);
    assert.equal(found["accessKeyId"], s.accessKeyId);
    assert.match(String(found["principalId"]), /^AROA[A-Z2-7]{17}:audited$/);
    const ctx = found["sessionContext"] as { sessionIssuer: Record<string, string>; attributes: Record<string, string> };
    assert.equal(ctx.sessionIssuer["type"], "Role");
    assert.equal(ctx.sessionIssuer["arn"], roleArn("Encryptor"));
    assert.equal(ctx.sessionIssuer["userName"], "Encryptor");
    assert.match(ctx.attributes["creationDate"] ?? "", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  test("missing, forged and foreign tokens are refused; long-term keys with a token are refused", async () => {
    const s = await assume(creds["assumer"] ?? ROOT, roleArn("Encryptor"), "tokens");
    const t = await assume(creds["assumer"] ?? ROOT, roleArn("Encryptor"), "tokens2");
    const variants: Creds[] = [
      { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
      { ...s, sessionToken: Buffer.alloc(48, 7).toString("base64") },
      { ...s, sessionToken: t.sessionToken ?? "" },
      { ...ROOT, sessionToken: s.sessionToken ?? "" },
    ];
    for (const c of variants) {
      const r = await kmsRaw(w.h.endpoint, c, "ListKeys", {});
      assert.equal(r.status, 400);
      assert.deepEqual(JSON.parse(r.body), { __type: "UnrecognizedClientException", message: "The security token included in the request is invalid." });
      const q = await sts(w.h.endpoint, c, { Action: "GetCallerIdentity" });
      assert.equal(q.status, 403);
      assert.equal(xmlText(q.body, "Code"), "InvalidClientTokenId");
    }
  });

  test("deleting the role ends its sessions", async () => {
    await w.ids.createPrincipal(ACCOUNT_A, "Role", "Doomed");
    const s = await assume(ROOT, roleArn("Doomed"), "doomed");
    assert.equal((await sts(w.h.endpoint, s, { Action: "GetCallerIdentity" })).status, 200);
    await w.ids.deletePrincipal(roleArn("Doomed"));
    let code: string | undefined;
    for (let i = 0; i < 100 && code === undefined; i++) {
      const r = await sts(w.h.endpoint, s, { Action: "GetCallerIdentity" });
      if (r.status !== 200) code = xmlText(r.body, "Code");
      else await new Promise((done) => setTimeout(done, 100));
    }
    assert.equal(code, "InvalidClientTokenId");
    const k = await kmsRaw(w.h.endpoint, s, "ListKeys", {});
    assert.equal((JSON.parse(k.body) as { __type: string }).__type, "UnrecognizedClientException");
  });

  test("an expired session is ExpiredTokenException on KMS and ExpiredToken on STS", async () => {
    const s = await assume(creds["assumer"] ?? ROOT, roleArn("Encryptor"), "short", { DurationSeconds: "900" });
    const ok = await kmsRaw(w.h.endpoint, s, "Encrypt", { KeyId: keyId, Plaintext: Buffer.from("x").toString("base64") });
    assert.equal(ok.status, 200, ok.body);
    offsetMs += 901_000;
    try {
      const at = Date.now() + offsetMs;
      const r = await kmsRaw(w.h.endpoint, s, "Encrypt", { KeyId: keyId, Plaintext: Buffer.from("x").toString("base64") }, at);
      assert.equal(r.status, 400);
      assert.deepEqual(JSON.parse(r.body), { __type: "ExpiredTokenException", message: "The security token included in the request is expired" });
      const q = await sts(w.h.endpoint, s, { Action: "GetCallerIdentity" }, at);
      assert.equal(q.status, 403);
      assert.equal(xmlText(q.body, "Code"), "ExpiredToken");
      assert.equal(xmlText(q.body, "Message"), "The security token included in the request is expired");
    } finally {
      offsetMs -= 901_000;
    }
  });
});
