import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KmsError } from "../domain/errors.js";
import { KmsAuthorizer } from "./kms-authorizer.js";
import { ACCOUNT, doc, fakeLookups, NOW, OTHER, rootCaller, sessionCaller, userCaller } from "./policy-test-fixtures.js";
import { compileTrustPolicy, decideAssumeRole, defaultTrustPolicy } from "./trust-policy.js";

const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/Target`;
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;
const CAROL = `arn:aws:iam::${OTHER}:user/carol`;
const DAVE = `arn:aws:iam::${OTHER}:user/dave`;
const ALLOW_ASSUME = doc({ Effect: "Allow", Action: "sts:AssumeRole", Resource: ROLE_ARN });
const DENY_ASSUME = doc({ Effect: "Deny", Action: "sts:*", Resource: "*" });

const engine = new KmsAuthorizer(
  fakeLookups({
    identity: {
      [ALICE]: [ALLOW_ASSUME],
      [CAROL]: [ALLOW_ASSUME],
      [`arn:aws:iam::${ACCOUNT}:user/denied`]: [ALLOW_ASSUME, DENY_ASSUME],
      [`arn:aws:iam::${ACCOUNT}:role/Hopper`]: [ALLOW_ASSUME],
    },
  }),
);

function trust(...statements: unknown[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
const allow = (principal: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole", ...extra });

async function allowed(caller: Parameters<typeof decideAssumeRole>[1], trustPolicy: string | undefined, session = "s1"): Promise<boolean> {
  const role = trustPolicy === undefined ? { arn: ROLE_ARN, accountId: ACCOUNT } : { arn: ROLE_ARN, accountId: ACCOUNT, trustPolicy };
  return (await decideAssumeRole(engine, caller, role, session, NOW)).allowed;
}

describe("trust policy grammar", () => {
  test("the default trusts the role's own account", () => {
    assert.deepEqual(JSON.parse(defaultTrustPolicy(ACCOUNT)).Statement[0].Principal, { AWS: `arn:aws:iam::${ACCOUNT}:root` });
    compileTrustPolicy(defaultTrustPolicy(ACCOUNT));
  });
  test("refuses invalid JSON, a missing Principal and a Resource element", () => {
    for (const bad of ["{bad", trust({ Effect: "Allow", Action: "sts:AssumeRole" }), trust({ ...allow({ AWS: ALICE }), Resource: "*" })]) {
      assert.throws(() => compileTrustPolicy(bad), (e: unknown) => e instanceof KmsError && e.code === "MalformedPolicyDocumentException");
    }
  });
});

describe("AssumeRole in the role's account", () => {
  test("without a trust policy: the root, and a caller whose identity policy allows it", async () => {
    assert.equal(await allowed(rootCaller(), undefined), true);
    assert.equal(await allowed(userCaller("alice"), undefined), true);
    assert.equal(await allowed(userCaller("bob"), undefined), false);
  });
  test("a trust policy naming the caller directly needs no identity policy", async () => {
    assert.equal(await allowed(userCaller("bob"), trust(allow({ AWS: BOB }))), true);
    assert.equal(await allowed(userCaller("bob"), trust(allow({ AWS: ALICE }))), false);
  });
  test("a trust policy naming a role admits its sessions; naming the session admits it", async () => {
    assert.equal(await allowed(sessionCaller("Worker", "w1"), trust(allow({ AWS: `arn:aws:iam::${ACCOUNT}:role/Worker` }))), true);
    assert.equal(await allowed(sessionCaller("Worker", "w1"), trust(allow({ AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/Worker/w1` }))), true);
    assert.equal(await allowed(sessionCaller("Worker", "w2"), trust(allow({ AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/Worker/w1` }))), false);
  });
  test("a trust policy naming only another principal refuses even the account root", async () => {
    assert.equal(await allowed(rootCaller(), trust(allow({ AWS: BOB }))), false);
    assert.equal(await allowed(userCaller("alice"), trust(allow({ AWS: BOB }))), false);
  });
  test("an explicit deny in the trust policy or an identity policy wins", async () => {
    const denyAlice = trust(allow({ AWS: `arn:aws:iam::${ACCOUNT}:root` }), { Effect: "Deny", Principal: { AWS: ALICE }, Action: "sts:AssumeRole" });
    assert.equal(await allowed(userCaller("alice"), denyAlice), false);
    assert.equal(await allowed(rootCaller(), denyAlice), true);
    assert.equal(await allowed(userCaller("denied"), trust(allow({ AWS: `arn:aws:iam::${ACCOUNT}:user/denied` }))), false);
  });
  test("conditions: aws:PrincipalArn, aws:SourceIp, sts:RoleSessionName", async () => {
    const byArn = trust(allow("*", { Condition: { ArnEquals: { "aws:PrincipalArn": BOB } } }));
    assert.equal(await allowed(userCaller("bob"), byArn), true);
    assert.equal(await allowed(userCaller("alice"), byArn), false);
    const byIp = trust(allow({ AWS: BOB }, { Condition: { IpAddress: { "aws:SourceIp": "198.51.100.0/24" } } }));
    assert.equal(await allowed(userCaller("bob"), byIp), false);
    assert.equal(await allowed(userCaller("bob", ACCOUNT, { sourceIp: "198.51.100.7" }), byIp), true);
    const bySession = trust(allow({ AWS: BOB }, { Condition: { StringLike: { "sts:RoleSessionName": "ci-*" } } }));
    assert.equal(await allowed(userCaller("bob"), bySession, "ci-42"), true);
    assert.equal(await allowed(userCaller("bob"), bySession, "dev-1"), false);
  });
});

describe("AssumeRole from another account", () => {
  const trustOther = trust(allow({ AWS: `arn:aws:iam::${OTHER}:root` }));
  test("the default trust policy refuses every other account, its root included", async () => {
    assert.equal(await allowed(rootCaller(OTHER), undefined), false);
    assert.equal(await allowed(userCaller("carol", OTHER), undefined), false);
  });
  test("needs both the trust policy and the caller's identity policy (the other root needs none)", async () => {
    assert.equal(await allowed(userCaller("carol", OTHER), trustOther), true);
    assert.equal(await allowed(userCaller("dave", OTHER), trustOther), false);
    assert.equal(await allowed(rootCaller(OTHER), trustOther), true);
    // Naming the caller directly is not enough across accounts.
    assert.equal(await allowed(userCaller("dave", OTHER), trust(allow({ AWS: DAVE }))), false);
    assert.equal(await allowed(userCaller("carol", OTHER), trust(allow({ AWS: CAROL }))), true);
    assert.equal(await allowed(userCaller("carol", OTHER), trust(allow({ AWS: ALICE }))), false);
  });
  test("aws:PrincipalAccount conditions apply", async () => {
    const t = trust(allow("*", { Condition: { StringEquals: { "aws:PrincipalAccount": ACCOUNT } } }));
    assert.equal(await allowed(userCaller("carol", OTHER), t), false);
    assert.equal(await allowed(userCaller("bob"), t), true);
  });
});
