import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACCOUNT, KEY_ARN, makeKey, NOW, OTHER, rootCaller, roleCaller, sessionCaller, userCaller } from "./policy-test-fixtures.js";
import { buildRequestContext, contextValue, keyPolicyView, principalIdentity } from "./request-context.js";

const key = makeKey("{}", { keySpec: "SYMMETRIC_DEFAULT", keyUsage: "ENCRYPT_DECRYPT", origin: "AWS_KMS" }, [{ TagKey: "Project", TagValue: "Alpha" }]);

describe("request context", () => {
  test("an IAM user's request carries its ARN, account, type, id and name", () => {
    const c = buildRequestContext({ caller: userCaller("alice"), request: { action: "kms:Encrypt", key }, now: NOW });
    assert.equal(contextValue(c, "aws:PrincipalArn"), `arn:aws:iam::${ACCOUNT}:user/alice`);
    assert.equal(contextValue(c, "aws:PrincipalAccount"), ACCOUNT);
    assert.equal(contextValue(c, "aws:PrincipalType"), "User");
    assert.equal(contextValue(c, "aws:userid"), "AIDAALICE");
    assert.equal(contextValue(c, "aws:username"), "alice");
    assert.equal(contextValue(c, "kms:CallerAccount"), ACCOUNT);
  });

  test("the root user is the Account principal type; aws:userid is the account id and aws:username is absent", () => {
    const c = buildRequestContext({ caller: rootCaller(), request: { action: "kms:Encrypt", key }, now: NOW });
    assert.equal(contextValue(c, "aws:PrincipalType"), "Account");
    assert.equal(contextValue(c, "aws:userid"), ACCOUNT);
    assert.equal(contextValue(c, "aws:username"), undefined);
    assert.equal(contextValue(c, "aws:PrincipalArn"), `arn:aws:iam::${ACCOUNT}:root`);
  });

  test("a role session's aws:PrincipalArn is the role ARN and aws:userid is role-id:session", () => {
    const c = buildRequestContext({ caller: sessionCaller("Engineering", "bob"), request: { action: "kms:Encrypt", key }, now: NOW });
    assert.equal(contextValue(c, "aws:PrincipalArn"), `arn:aws:iam::${ACCOUNT}:role/Engineering`);
    assert.equal(contextValue(c, "aws:PrincipalType"), "AssumedRole");
    assert.equal(contextValue(c, "aws:userid"), "AROAENGINEERING:bob");
    assert.equal(contextValue(c, "aws:username"), undefined);
    assert.deepEqual(principalIdentity(sessionCaller("Engineering", "bob")).role, { accountId: ACCOUNT, name: "Engineering" });
  });

  test("a role calling as itself is identified by its role ARN", () => {
    const who = principalIdentity(roleCaller("Engineering"));
    assert.equal(who.arn, `arn:aws:iam::${ACCOUNT}:role/Engineering`);
    assert.equal(who.principalArn, who.arn);
  });

  test("the key contributes its spec, usage, origin, account, tags and aliases", () => {
    const c = buildRequestContext({ caller: userCaller("alice"), request: { action: "kms:Encrypt", key }, now: NOW, aliases: ["alias/app"] });
    assert.equal(c.resource, KEY_ARN);
    assert.equal(contextValue(c, "kms:KeySpec"), "SYMMETRIC_DEFAULT");
    assert.equal(contextValue(c, "kms:CustomerMasterKeySpec"), "SYMMETRIC_DEFAULT");
    assert.equal(contextValue(c, "kms:KeyUsage"), "ENCRYPT_DECRYPT");
    assert.equal(contextValue(c, "kms:KeyOrigin"), "AWS_KMS");
    assert.equal(contextValue(c, "kms:MultiRegion"), "false");
    assert.equal(contextValue(c, "aws:ResourceAccount"), ACCOUNT);
    assert.equal(contextValue(c, "aws:ResourceTag/Project"), "Alpha");
    assert.deepEqual(contextValue(c, "kms:ResourceAliases"), ["alias/app"]);
  });

  test("a key without aliases has no kms:ResourceAliases key", () => {
    const c = buildRequestContext({ caller: userCaller("alice"), request: { action: "kms:Encrypt", key }, now: NOW });
    assert.equal(contextValue(c, "kms:ResourceAliases"), undefined);
  });

  test("request keys are added as given, booleans and numbers as strings, empty lists as absent", () => {
    const c = buildRequestContext({
      caller: userCaller("alice"),
      request: {
        action: "kms:Encrypt",
        key,
        conditions: { "kms:EncryptionContext:app": "x", "kms:EncryptionContextKeys": [], "kms:BypassPolicyLockoutSafetyCheck": false, "kms:ValidTo": 5 },
      },
      now: NOW,
    });
    assert.equal(contextValue(c, "kms:encryptioncontext:APP"), "x");
    assert.equal(contextValue(c, "kms:EncryptionContextKeys"), undefined);
    assert.equal(contextValue(c, "kms:BypassPolicyLockoutSafetyCheck"), "false");
    assert.equal(contextValue(c, "kms:ValidTo"), "5");
  });

  test("a request key cannot override who is calling", () => {
    const c = buildRequestContext({
      caller: userCaller("alice"),
      request: { action: "kms:Encrypt", key, conditions: { "aws:PrincipalArn": "arn:aws:iam::999999999999:root", "kms:CallerAccount": OTHER } },
      now: NOW,
    });
    assert.equal(contextValue(c, "aws:PrincipalArn"), `arn:aws:iam::${ACCOUNT}:user/alice`);
    assert.equal(contextValue(c, "kms:CallerAccount"), ACCOUNT);
  });

  test("time, transport, source address, region and user agent come from the request", () => {
    const c = buildRequestContext({ caller: userCaller("alice", ACCOUNT, { secureTransport: false }), request: { action: "kms:ListKeys" }, now: NOW });
    assert.equal(contextValue(c, "aws:CurrentTime"), "2026-01-15T12:00:00Z");
    assert.equal(contextValue(c, "aws:EpochTime"), String(NOW / 1000));
    assert.equal(contextValue(c, "aws:SecureTransport"), "false");
    assert.equal(contextValue(c, "aws:SourceIp"), "203.0.113.10");
    assert.equal(contextValue(c, "aws:RequestedRegion"), "us-east-1");
    assert.equal(contextValue(c, "aws:UserAgent"), "aws-sdk-js/3");
    assert.equal(c.resource, "*");
    assert.equal(contextValue(c, "kms:CallerAccount"), undefined, "kms:CallerAccount belongs to key resource operations");
  });

  test("a key policy does not see aws:ResourceTag or kms:ResourceAliases (IAM policies only)", () => {
    const c = buildRequestContext({ caller: userCaller("alice"), request: { action: "kms:Encrypt", key }, now: NOW, aliases: ["alias/app"] });
    const v = keyPolicyView(c);
    assert.equal(contextValue(v, "aws:ResourceTag/Project"), undefined);
    assert.equal(contextValue(v, "kms:ResourceAliases"), undefined);
    assert.equal(contextValue(v, "kms:KeySpec"), "SYMMETRIC_DEFAULT");
  });
});
