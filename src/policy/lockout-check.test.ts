import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KmsError } from "../domain/errors.js";
import { KmsAuthorizer } from "./kms-authorizer.js";
import { checkPolicyLockout } from "./lockout-check.js";
import { ACCOUNT, ALLOW_ALL_KMS, doc, fakeLookups, makeKey, NOW, ROOT_DELEGATION, rootCaller, userCaller } from "./policy-test-fixtures.js";

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;
const LOCKOUT = "The new key policy will not allow you to update the key policy in the future.";

function isLockout(e: unknown): boolean {
  return e instanceof KmsError && e.code === "MalformedPolicyDocumentException" && e.message === LOCKOUT;
}

const authz = new KmsAuthorizer(fakeLookups({ identity: { [ALICE]: [doc(ALLOW_ALL_KMS)] }, existing: [ALICE, BOB] }));

describe("policy lockout safety check", () => {
  test("a policy that delegates to the account passes for a caller whose IAM policy allows kms:PutKeyPolicy", async () => {
    await checkPolicyLockout(authz, userCaller("alice"), makeKey(doc(ROOT_DELEGATION)), NOW);
  });

  test("a policy that names only another user is refused with AWS's message", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: BOB }, Action: "kms:*", Resource: "*" }));
    await assert.rejects(checkPolicyLockout(authz, userCaller("alice"), key, NOW), isLockout);
  });

  test("a policy that names the caller directly passes without any IAM policy", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: BOB }, Action: ["kms:PutKeyPolicy", "kms:GetKeyPolicy"], Resource: "*" }));
    await checkPolicyLockout(authz, userCaller("bob"), key, NOW);
  });

  test("a policy that allows the caller everything but PutKeyPolicy is refused", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: BOB }, NotAction: "kms:PutKeyPolicy", Resource: "*" }));
    await assert.rejects(checkPolicyLockout(authz, userCaller("bob"), key, NOW), isLockout);
  });

  test("a policy that denies the caller PutKeyPolicy is refused even when another statement allows it", async () => {
    const key = makeKey(doc(ROOT_DELEGATION, { Effect: "Deny", Principal: { AWS: ALICE }, Action: "kms:PutKeyPolicy", Resource: "*" }));
    await assert.rejects(checkPolicyLockout(authz, userCaller("alice"), key, NOW), isLockout);
  });

  test("the root user is refused a policy that does not name its account", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:*", Resource: "*" }));
    await assert.rejects(checkPolicyLockout(authz, rootCaller(), key, NOW), isLockout);
  });
});

describe("admitting a key policy (CreateKey, PutKeyPolicy)", () => {
  test("a valid policy naming existing principals that keeps the caller in control is admitted and returned compiled", async () => {
    const key = makeKey(doc(ROOT_DELEGATION, { Effect: "Allow", Principal: { AWS: BOB }, Action: "kms:Decrypt", Resource: "*" }));
    const p = await authz.admitKeyPolicy(userCaller("alice"), key, NOW, { bypassLockoutSafetyCheck: false });
    assert.equal(p.statements.length, 2);
  });

  test("a policy naming a user that does not exist is refused with AWS's invalid-principals message", async () => {
    const key = makeKey(doc(ROOT_DELEGATION, { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/ghost` }, Action: "kms:Decrypt", Resource: "*" }));
    await assert.rejects(
      authz.admitKeyPolicy(userCaller("alice"), key, NOW, { bypassLockoutSafetyCheck: true }),
      (e: unknown) => e instanceof KmsError && e.code === "MalformedPolicyDocumentException" && e.message === "Policy contains a statement with one or more invalid principals.",
    );
  });

  test("BypassPolicyLockoutSafetyCheck skips the lockout check but not validation", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: BOB }, Action: "kms:*", Resource: "*" }));
    await assert.rejects(authz.admitKeyPolicy(userCaller("alice"), key, NOW, { bypassLockoutSafetyCheck: false }), isLockout);
    await authz.admitKeyPolicy(userCaller("alice"), key, NOW, { bypassLockoutSafetyCheck: true });
    await assert.rejects(
      authz.admitKeyPolicy(userCaller("alice"), makeKey("{"), NOW, { bypassLockoutSafetyCheck: true }),
      (e: unknown) => e instanceof KmsError && e.code === "MalformedPolicyDocumentException",
    );
  });

  test("the principal check comes before the lockout check", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/ghost` }, Action: "kms:*", Resource: "*" }));
    await assert.rejects(
      authz.admitKeyPolicy(userCaller("alice"), key, NOW, { bypassLockoutSafetyCheck: false }),
      (e: unknown) => e instanceof KmsError && e.message.startsWith("Policy contains a statement with one or more invalid principals"),
    );
  });
});
