import { DescribeKeyCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { ACCOUNT_A, ACCOUNT_B, policy, ROOT_A, ROOT_B, roleArn, userArn, useWorld } from "../support/authz.js";
import { REGION, setup } from "../support/harness.js";
import { sessionCreds, sts, xmlText, type Creds } from "../support/sts-calls.js";

/**
 * Role trust policies (AssumeRolePolicyDocument) through real signed STS calls: trust naming a
 * user directly, trust delegated to an account and its identity policies, AssumeRole across
 * accounts (both sides must allow), and the `trent role trust-policy` commands.
 */

/** What Trent logged (its operator log), to check that denials say why. */
const logged: Record<string, unknown>[] = [];
const w = useWorld({ log: (line) => logged.push({ ...line }) });
const creds: Record<string, Creds> = {};
let keyId = "";

async function user(name: string, account: string, policies: Record<string, string> = {}): Promise<Creds> {
  const p = await w.ids.createPrincipal(account, "IAMUser", name);
  for (const [n, d] of Object.entries(policies)) await w.ids.putPolicy(p.arn, n, d);
  const k = await w.ids.createAccessKey(p.arn);
  return { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey };
}

function c(name: string): Creds {
  const found = creds[name];
  if (found === undefined) throw new Error(`no credentials for ${name}`);
  return found;
}

function trust(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

function assumeRole(by: Creds, role: string, session: string): ReturnType<typeof sts> {
  return sts(w.h.endpoint, by, { Action: "AssumeRole", RoleArn: role, RoleSessionName: session });
}

const allowAssume = (role: string): string => policy({ Effect: "Allow", Action: "sts:AssumeRole", Resource: role });

setup(async () => {
  await w.accountRoot(ACCOUNT_B);
  const rootB = await w.ids.createAccessKey(ROOT_B);
  creds["rootB"] = { accessKeyId: rootB.accessKeyId, secretAccessKey: rootB.secretAccessKey };
  // In account A: a role trusting user "direct" only; a role trusting account B.
  await w.ids.createPrincipal(ACCOUNT_A, "Role", "DirectTrust", trust({ Effect: "Allow", Principal: { AWS: userArn("direct") }, Action: "sts:AssumeRole" }));
  const cross = await w.ids.createPrincipal(ACCOUNT_A, "Role", "CrossTrust", trust({ Effect: "Allow", Principal: { AWS: ROOT_B }, Action: "sts:AssumeRole" }));
  await w.ids.putPolicy(cross.arn, "kms", policy({ Effect: "Allow", Action: "kms:*", Resource: "*" }));
  creds["direct"] = await user("direct", ACCOUNT_A);
  creds["delegated"] = await user("delegated", ACCOUNT_A, { sts: allowAssume(roleArn("DirectTrust")) });
  creds["carol"] = await user("carol", ACCOUNT_B, { sts: allowAssume(roleArn("CrossTrust")) });
  creds["dave"] = await user("dave", ACCOUNT_B);
  creds["denied"] = await user("denied", ACCOUNT_B, {
    sts: allowAssume(roleArn("CrossTrust")),
    no: policy({ Effect: "Deny", Action: "sts:AssumeRole", Resource: "*" }),
  });
  keyId = await w.createKey({ Description: "default key policy of account A" });
});

describe("trust policies in the role's account", () => {
  test("a user the trust policy names assumes the role without any identity policy", async () => {
    const r = await assumeRole(c("direct"), roleArn("DirectTrust"), "d1");
    assert.equal(r.status, 200, r.body);
    assert.equal(xmlText(r.body, "Arn"), `arn:aws:sts::${ACCOUNT_A}:assumed-role/DirectTrust/d1`);
  });

  test("an identity policy alone is not enough when the trust policy names neither the caller nor its account; nor is the root", async () => {
    for (const [who, arn] of [[c("delegated"), userArn("delegated")], [{ accessKeyId: "test", secretAccessKey: "test" }, ROOT_A]] as const) {
      const r = await assumeRole(who, roleArn("DirectTrust"), "d2");
      assert.equal(xmlText(r.body, "Code"), "AccessDenied");
      assert.equal(xmlText(r.body, "Message"), `User: ${arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn("DirectTrust")}`);
      const requestId = xmlText(r.body, "RequestId");
      const line = logged.find((l) => l["msg"] === "sts denied" && l["requestId"] === requestId);
      assert.equal(line?.["reason"], "the trust policy does not allow the caller", "the operator's log says why (the caller is not told)");
      assert.ok(!r.body.includes("trust policy does not allow"));
    }
  });
});

describe("AssumeRole across accounts", () => {
  test("a user of account B with an identity policy gets a session of account A, whose KMS calls run in account A", async () => {
    const r = await assumeRole(c("carol"), roleArn("CrossTrust"), "from-b");
    assert.equal(r.status, 200, r.body);
    assert.equal(xmlText(r.body, "Arn"), `arn:aws:sts::${ACCOUNT_A}:assumed-role/CrossTrust/from-b`);
    const s = sessionCreds(r.body);
    const who = await sts(w.h.endpoint, s, { Action: "GetCallerIdentity" });
    assert.equal(xmlText(who.body, "Account"), ACCOUNT_A);
    const sessionToken = s.sessionToken;
    const kms = new KMSClient({
      endpoint: w.h.endpoint,
      region: REGION,
      maxAttempts: 1,
      credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) },
    });
    const d = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    assert.equal(d.KeyMetadata?.AWSAccountId, ACCOUNT_A);
    await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("cross") }));
    kms.destroy();
  });

  test("account B's root needs no identity policy; a user without one, or with an explicit deny, is refused", async () => {
    const root = await assumeRole(c("rootB"), roleArn("CrossTrust"), "root-b");
    assert.equal(root.status, 200, root.body);
    for (const name of ["dave", "denied"]) {
      const r = await assumeRole(c(name), roleArn("CrossTrust"), "nope");
      assert.equal(xmlText(r.body, "Code"), "AccessDenied", name);
      assert.equal(xmlText(r.body, "Message"), `User: ${userArn(name, ACCOUNT_B)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn("CrossTrust")}`);
    }
  });

  test("a role of account A without a trust policy refuses account B, its identity policies notwithstanding", async () => {
    await w.ids.createPrincipal(ACCOUNT_A, "Role", "Homebody");
    await w.ids.putPolicy(userArn("carol", ACCOUNT_B), "home", allowAssume(roleArn("Homebody")));
    const r = await assumeRole(c("carol"), roleArn("Homebody"), "nope");
    assert.equal(xmlText(r.body, "Code"), "AccessDenied");
  });

  test("a trust policy replaced to name account B lets it in", async () => {
    await w.ids.putTrustPolicy(roleArn("Homebody"), trust({ Effect: "Allow", Principal: { AWS: ACCOUNT_B }, Action: "sts:AssumeRole" }));
    const r = await assumeRole(c("carol"), roleArn("Homebody"), "now-ok");
    assert.equal(r.status, 200, r.body);
  });

  test("a trust policy with an sts:ExternalId condition lets account B in only with that external id", async () => {
    await w.ids.createPrincipal(
      ACCOUNT_A,
      "Role",
      "ThirdParty",
      trust({ Effect: "Allow", Principal: { AWS: ACCOUNT_B }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": "Unique-1234" } } }),
    );
    await w.ids.putPolicy(userArn("carol", ACCOUNT_B), "third", allowAssume(roleArn("ThirdParty")));
    const call = (externalId?: string): ReturnType<typeof sts> =>
      sts(w.h.endpoint, c("carol"), { Action: "AssumeRole", RoleArn: roleArn("ThirdParty"), RoleSessionName: "third-party", ...(externalId !== undefined ? { ExternalId: externalId } : {}) });
    assert.equal(xmlText((await call()).body, "Code"), "AccessDenied");
    assert.equal(xmlText((await call("Unique-9999")).body, "Code"), "AccessDenied");
    const ok = await call("Unique-1234");
    assert.equal(ok.status, 200, ok.body);
  });
});

describe("trent role trust-policy", () => {
  const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
  const run = (dir: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [MAIN, ...args, "--data-dir", dir], { encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  test("create --trust-policy, get and put with --output json; a malformed document is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "trent-trust-"));
    try {
      const arn = `arn:aws:iam::${ACCOUNT_A}:role/Cli`;
      assert.equal(run(dir, "account", "create", "--account-id", ACCOUNT_A).status, 0);
      const first = trust({ Effect: "Allow", Principal: { AWS: ROOT_B }, Action: "sts:AssumeRole" });
      const file = join(dir, "trust.json");
      writeFileSync(file, first);
      const created = run(dir, "role", "create", "--account-id", ACCOUNT_A, "--name", "Cli", "--trust-policy", `@${file}`, "--output", "json");
      assert.equal(created.status, 0, created.stderr);
      assert.equal((JSON.parse(created.stdout) as { Arn: string }).Arn, arn);
      const got = run(dir, "role", "trust-policy", "get", "--arn", arn, "--output", "json");
      assert.equal((JSON.parse(got.stdout) as { AssumeRolePolicyDocument: string }).AssumeRolePolicyDocument, first);
      const bad = run(dir, "role", "trust-policy", "put", "--arn", arn, "--document", '{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}');
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /MalformedPolicyDocument/);
      assert.match(run(dir, "role", "trust-policy", "put", "--arn", arn, "--document", "{nope").stderr, /MalformedPolicyDocument: .*not valid JSON/);
      const second = trust({ Effect: "Allow", Principal: { AWS: userArn("x") }, Action: "sts:AssumeRole" });
      assert.equal(run(dir, "role", "trust-policy", "put", "--arn", arn, "--document", second, "--output", "json").status, 0);
      assert.equal((JSON.parse(run(dir, "role", "trust-policy", "get", "--arn", arn, "--output", "json").stdout) as { AssumeRolePolicyDocument: string }).AssumeRolePolicyDocument, second);
      const plain = run(dir, "role", "create", "--account-id", ACCOUNT_A, "--name", "Plain", "--output", "json");
      assert.equal(plain.status, 0, plain.stderr);
      const dflt = JSON.parse(run(dir, "role", "trust-policy", "get", "--arn", `arn:aws:iam::${ACCOUNT_A}:role/Plain`, "--output", "json").stdout) as { AssumeRolePolicyDocument: string };
      assert.match(dflt.AssumeRolePolicyDocument, new RegExp(`"arn:aws:iam::${ACCOUNT_A}:root"`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
