import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KeyRecord } from "../domain/key-record.js";
import type { Authorizer, AuthzRequest, Caller, Decision } from "./authorizer.js";
import { CROSS_ACCOUNT_ACTIONS } from "./cross-account.js";
import type { GrantLike } from "./grants.js";
import { KmsAuthorizer } from "./kms-authorizer.js";
import { PolicyCache } from "./policy-cache.js";
import {
  ACCOUNT,
  ALLOW_ALL_KMS,
  doc,
  fakeLookups,
  KEY_ARN,
  makeKey,
  NOW,
  OTHER,
  REGION,
  ROOT_DELEGATION,
  rootCaller,
  roleCaller,
  sessionCaller,
  userCaller,
} from "./policy-test-fixtures.js";

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const EVE = `arn:aws:iam::${OTHER}:user/eve`;
const defaultKey = makeKey(doc(ROOT_DELEGATION));

type LookupOpts = Parameters<typeof fakeLookups>[0];

async function decide(opts: LookupOpts, caller: Caller, request: AuthzRequest): Promise<Decision> {
  return new KmsAuthorizer(fakeLookups(opts)).decide(caller, request, NOW);
}

function iam(...statements: unknown[]): string {
  return doc(...statements);
}

const allowKmsIam = iam(ALLOW_ALL_KMS);

describe("same-account access", () => {
  test("the default key policy lets a user whose IAM policy allows the action use the key", async () => {
    const d = await decide({ identity: { [ALICE]: [allowKmsIam] } }, userCaller("alice"), { action: "kms:Encrypt", key: defaultKey });
    assert.equal(d.allowed, true);
    assert.equal(d.message, undefined);
    assert.match(d.trace[d.trace.length - 1] ?? "", /^decision: allowed: the key policy delegates kms:Encrypt to account 111122223333 and an identity policy allows it$/);
  });

  test("the default key policy alone does not let a user without an IAM policy use the key", async () => {
    const d = await decide({}, userCaller("alice"), { action: "kms:Encrypt", key: defaultKey });
    assert.equal(d.allowed, false);
    assert.equal(d.message, `User: ${ALICE} is not authorized to perform: kms:Encrypt on resource: ${KEY_ARN} because no identity-based policy allows the kms:Encrypt action`);
  });

  test("a key policy naming the user allows it without any IAM policy", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*" }));
    assert.equal((await decide({}, userCaller("alice"), { action: "kms:Encrypt", key })).allowed, true);
    assert.equal((await decide({}, userCaller("bob"), { action: "kms:Encrypt", key })).allowed, false);
    assert.equal((await decide({}, userCaller("alice"), { action: "kms:ScheduleKeyDeletion", key })).allowed, false);
  });

  test("a key policy naming a role allows every session of the role", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Engineering` }, Action: "kms:Decrypt", Resource: "*" }));
    assert.equal((await decide({}, sessionCaller("Engineering", "bob"), { action: "kms:Decrypt", key })).allowed, true);
    assert.equal((await decide({}, roleCaller("Engineering"), { action: "kms:Decrypt", key })).allowed, true);
  });

  test("without the account statement, IAM policies give no access to the key", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/admin` }, Action: "kms:*", Resource: "*" }));
    const d = await decide({ identity: { [ALICE]: [allowKmsIam] } }, userCaller("alice"), { action: "kms:Encrypt", key });
    assert.equal(d.allowed, false);
    assert.equal(d.message, `User: ${ALICE} is not authorized to perform: kms:Encrypt on resource: ${KEY_ARN} because no resource-based policy allows the kms:Encrypt action`);
  });

  test("the account statement delegates only the actions it lists", async () => {
    const key = makeKey(doc({ ...ROOT_DELEGATION, Action: "kms:Decrypt" }));
    const lookups = { identity: { [ALICE]: [allowKmsIam] } };
    assert.equal((await decide(lookups, userCaller("alice"), { action: "kms:Decrypt", key })).allowed, true);
    assert.equal((await decide(lookups, userCaller("alice"), { action: "kms:Encrypt", key })).allowed, false);
  });

  test("Principal \"*\" with a kms:CallerAccount condition admits the account's principals only", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT } } }));
    assert.equal((await decide({}, userCaller("alice"), { action: "kms:Decrypt", key })).allowed, true);
    assert.equal((await decide({ identity: { [EVE]: [allowKmsIam] } }, userCaller("eve", OTHER), { action: "kms:Decrypt", key })).allowed, false);
  });
});

describe("explicit deny", () => {
  test("a Deny in the key policy wins over an Allow naming the caller", async () => {
    const key = makeKey(
      doc(
        { Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:*", Resource: "*" },
        { Effect: "Deny", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringNotEquals: { "kms:EncryptionContext:app": "billing" } } },
      ),
    );
    const d = await decide({}, userCaller("alice"), { action: "kms:Decrypt", key, conditions: { "kms:EncryptionContext:app": "hr" } });
    assert.equal(d.allowed, false);
    assert.equal(d.message, `User: ${ALICE} is not authorized to perform: kms:Decrypt on resource: ${KEY_ARN} with an explicit deny in a resource-based policy`);
    assert.equal((await decide({}, userCaller("alice"), { action: "kms:Decrypt", key, conditions: { "kms:EncryptionContext:app": "billing" } })).allowed, true);
  });

  test("a Deny in an identity policy wins over a key policy that names the caller", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:*", Resource: "*" }));
    const d = await decide({ identity: { [ALICE]: [iam({ Effect: "Deny", Action: "kms:Encrypt", Resource: "*" })] } }, userCaller("alice"), { action: "kms:Encrypt", key });
    assert.equal(d.allowed, false);
    assert.equal(d.message, `User: ${ALICE} is not authorized to perform: kms:Encrypt on resource: ${KEY_ARN} with an explicit deny in an identity-based policy`);
  });

  test("an identity-policy Deny takes effect even when the key policy does not delegate to IAM", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:*", Resource: "*" }));
    const d = await decide({ identity: { [ALICE]: [iam({ Effect: "Deny", NotAction: "kms:Describe*", Resource: "*" })] } }, userCaller("alice"), { action: "kms:Decrypt", key });
    assert.equal(d.allowed, false);
    assert.match(d.message ?? "", /explicit deny in an identity-based policy$/);
  });

  test("the root user is subject to a Deny in the key policy", async () => {
    const key = makeKey(doc(ROOT_DELEGATION, { Effect: "Deny", Principal: "*", Action: "kms:ScheduleKeyDeletion", Resource: "*" }));
    const d = await decide({}, rootCaller(), { action: "kms:ScheduleKeyDeletion", key });
    assert.equal(d.allowed, false);
    assert.equal(d.message, `User: arn:aws:iam::${ACCOUNT}:root is not authorized to perform: kms:ScheduleKeyDeletion on resource: ${KEY_ARN} with an explicit deny in a resource-based policy`);
  });

  test("a Deny naming the account applies to every principal of the account", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:*", Resource: "*" }, { Effect: "Deny", Principal: { AWS: ACCOUNT }, Action: "kms:Encrypt", Resource: "*" }));
    assert.equal((await decide({}, userCaller("alice"), { action: "kms:Encrypt", key })).allowed, false);
  });

  test("a NotPrincipal Deny spares only the listed user (with its account)", async () => {
    const key = makeKey(
      doc(
        { Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" },
        { Effect: "Deny", NotPrincipal: { AWS: [ALICE, `arn:aws:iam::${ACCOUNT}:root`] }, Action: "kms:*", Resource: "*" },
      ),
    );
    assert.equal((await decide({}, userCaller("alice"), { action: "kms:Encrypt", key })).allowed, true);
    assert.equal((await decide({}, userCaller("bob"), { action: "kms:Encrypt", key })).allowed, false);
  });
});

describe("the account root user", () => {
  test("the root user uses a key whose policy names its account, without any IAM policy", async () => {
    const d = await decide({}, rootCaller(), { action: "kms:PutKeyPolicy", key: defaultKey });
    assert.equal(d.allowed, true);
    assert.ok(d.trace.some((l) => l.includes("root user of account 111122223333")));
  });

  test("the root user has no access to a key whose policy does not name its account", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:*", Resource: "*" }));
    const d = await decide({}, rootCaller(), { action: "kms:Decrypt", key });
    assert.equal(d.allowed, false);
    assert.equal(d.message, `User: arn:aws:iam::${ACCOUNT}:root is not authorized to perform: kms:Decrypt on resource: ${KEY_ARN} because no resource-based policy allows the kms:Decrypt action`);
  });

  test("the root user may perform every account-level action", async () => {
    for (const action of ["kms:CreateKey", "kms:ListKeys", "kms:ListAliases", "kms:GenerateRandom", "kms:CreateCustomKeyStore"]) {
      assert.equal((await decide({}, rootCaller(), { action })).allowed, true, action);
    }
  });
});

describe("account-level actions", () => {
  test("an IAM policy allowing the action on \"*\" allows it", async () => {
    const d = await decide({ identity: { [ALICE]: [iam({ Effect: "Allow", Action: ["kms:CreateKey", "kms:List*"], Resource: "*" })] } }, userCaller("alice"), { action: "kms:ListKeys" });
    assert.equal(d.allowed, true);
  });

  test("without an IAM policy the action is denied, naming resource \"*\"", async () => {
    const d = await decide({}, userCaller("alice"), { action: "kms:CreateKey" });
    assert.equal(d.message, `User: ${ALICE} is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action`);
  });

  test("an IAM policy scoped to key ARNs does not allow an account-level action", async () => {
    const d = await decide({ identity: { [ALICE]: [iam({ Effect: "Allow", Action: "kms:*", Resource: `arn:aws:kms:*:${ACCOUNT}:key/*` })] } }, userCaller("alice"), { action: "kms:ListKeys" });
    assert.equal(d.allowed, false);
  });

  test("request condition keys govern CreateKey: a Deny on BypassPolicyLockoutSafetyCheck", async () => {
    const policies = [allowKmsIam, iam({ Effect: "Deny", Action: ["kms:CreateKey", "kms:PutKeyPolicy"], Resource: "*", Condition: { Bool: { "kms:BypassPolicyLockoutSafetyCheck": true } } })];
    const lookups = { identity: { [ALICE]: policies } };
    const bypass = await decide(lookups, userCaller("alice"), { action: "kms:CreateKey", conditions: { "kms:BypassPolicyLockoutSafetyCheck": true } });
    assert.equal(bypass.message, `User: ${ALICE} is not authorized to perform: kms:CreateKey on resource: * with an explicit deny in an identity-based policy`);
    assert.equal((await decide(lookups, userCaller("alice"), { action: "kms:CreateKey", conditions: { "kms:BypassPolicyLockoutSafetyCheck": false } })).allowed, true);
  });

  test("kms:KeySpec in an IAM policy limits which keys a user may create", async () => {
    const lookups = { identity: { [ALICE]: [iam({ Effect: "Allow", Action: "kms:CreateKey", Resource: "*", Condition: { StringLike: { "kms:KeySpec": "RSA_*" } } })] } };
    assert.equal((await decide(lookups, userCaller("alice"), { action: "kms:CreateKey", conditions: { "kms:KeySpec": "RSA_2048" } })).allowed, true);
    assert.equal((await decide(lookups, userCaller("alice"), { action: "kms:CreateKey", conditions: { "kms:KeySpec": "SYMMETRIC_DEFAULT" } })).allowed, false);
  });
});

describe("cross-account access", () => {
  const externalKey = makeKey(
    doc(ROOT_DELEGATION, {
      Sid: "Allow an external account to use this KMS key",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: "*",
    }),
  );
  const eveIam = iam({ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*` });

  test("a key policy allowing the external account and an IAM policy there together allow the use", async () => {
    const d = await decide({ identity: { [EVE]: [eveIam] } }, userCaller("eve", OTHER), { action: "kms:Encrypt", key: externalKey });
    assert.equal(d.allowed, true);
    assert.match(d.trace[0] ?? "", /cross-account: caller account 444455556666, key account 111122223333/);
  });

  test("the key policy alone is not enough: the external user needs an IAM policy", async () => {
    const d = await decide({}, userCaller("eve", OTHER), { action: "kms:Encrypt", key: externalKey });
    assert.equal(d.message, `User: ${EVE} is not authorized to perform: kms:Encrypt on resource: ${KEY_ARN} because no identity-based policy allows the kms:Encrypt action`);
  });

  test("the IAM policy alone is not enough: the key policy must name the account or the user", async () => {
    const d = await decide({ identity: { [EVE]: [allowKmsIam] } }, userCaller("eve", OTHER), { action: "kms:Encrypt", key: defaultKey });
    assert.equal(d.message, `User: ${EVE} is not authorized to perform: kms:Encrypt on resource: ${KEY_ARN} because no resource-based policy allows the kms:Encrypt action`);
  });

  test("a key policy naming the external user directly still needs that user's IAM policy", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: EVE }, Action: "kms:Decrypt", Resource: "*" }));
    assert.equal((await decide({}, userCaller("eve", OTHER), { action: "kms:Decrypt", key })).allowed, false);
    assert.equal((await decide({ identity: { [EVE]: [eveIam] } }, userCaller("eve", OTHER), { action: "kms:Decrypt", key })).allowed, true);
  });

  test("an IAM policy can delegate only actions the key policy gave the account", async () => {
    const d = await decide({ identity: { [EVE]: [allowKmsIam] } }, userCaller("eve", OTHER), { action: "kms:CreateGrant", key: externalKey });
    assert.equal(d.allowed, false);
  });

  test("operations that are not cross-account are denied even when both policies allow them", async () => {
    const key = makeKey(doc(ROOT_DELEGATION, { Effect: "Allow", Principal: { AWS: OTHER }, Action: "kms:*", Resource: "*" }));
    for (const action of ["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey", "kms:GetKeyPolicy", "kms:TagResource"]) {
      const d = await decide({ identity: { [EVE]: [allowKmsIam] } }, userCaller("eve", OTHER), { action, key });
      assert.equal(d.allowed, false, action);
      assert.equal(d.message, `User: ${EVE} is not authorized to perform: ${action} on resource: ${KEY_ARN} because no resource-based policy allows the ${action} action`);
      assert.match(d.trace[d.trace.length - 1] ?? "", /cannot be performed on a KMS key in another account/);
    }
    for (const action of ["kms:Encrypt", "kms:CreateGrant", "kms:RevokeGrant", "kms:GetKeyRotationStatus", "kms:ReEncryptTo"]) {
      assert.equal((await decide({ identity: { [EVE]: [allowKmsIam] } }, userCaller("eve", OTHER), { action, key })).allowed, true, action);
    }
  });

  test("the cross-account operations are those the KMS API reference marks \"Cross-account use: Yes\"", () => {
    assert.deepEqual(
      [...CROSS_ACCOUNT_ACTIONS].sort(),
      [
        "kms:CreateGrant", "kms:Decapsulate", "kms:Decrypt", "kms:DeriveSharedSecret", "kms:DescribeKey", "kms:Encapsulate", "kms:Encrypt",
        "kms:GenerateDataKey", "kms:GenerateDataKeyPair",
        "kms:GenerateDataKeyPairWithoutPlaintext", "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateMac", "kms:GetKeyRotationStatus", "kms:GetPublicKey",
        "kms:ListGrants", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant", "kms:Sign", "kms:Verify", "kms:VerifyMac",
      ],
    );
  });

  test("the root user of the external account needs no IAM policy", async () => {
    assert.equal((await decide({}, rootCaller(OTHER), { action: "kms:Decrypt", key: externalKey })).allowed, true);
  });

  test("an external role session is allowed by the key policy for its account plus the role's IAM policy", async () => {
    const roleArn = `arn:aws:iam::${OTHER}:role/Engineering`;
    const d = await decide({ identity: { [roleArn]: [eveIam] } }, sessionCaller("Engineering", "bob", OTHER), { action: "kms:Decrypt", key: externalKey });
    assert.equal(d.allowed, true);
    const denied = await decide({}, sessionCaller("Engineering", "bob", OTHER), { action: "kms:Decrypt", key: externalKey });
    assert.equal(denied.message, `User: arn:aws:sts::${OTHER}:assumed-role/Engineering/bob is not authorized to perform: kms:Decrypt on resource: ${KEY_ARN} because no identity-based policy allows the kms:Decrypt action`);
  });
});

describe("grants", () => {
  const lockedKey = makeKey(doc({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/admin` }, Action: "kms:*", Resource: "*" }));
  const grant = (g: Partial<GrantLike> = {}): GrantLike => ({ grantId: "g-1", granteePrincipal: ALICE, operations: ["Decrypt", "Encrypt", "DescribeKey"], ...g });

  test("a grant allows its grantee the listed operations without key policy or IAM permission", async () => {
    const d = await decide({ grants: [grant()] }, userCaller("alice"), { action: "kms:Decrypt", key: lockedKey });
    assert.equal(d.allowed, true);
    assert.ok(d.trace.includes("grant g-1: applies"));
    assert.match(d.trace[d.trace.length - 1] ?? "", /grant g-1 allows kms:Decrypt/);
  });

  test("a grant does not allow operations it does not list, nor other principals", async () => {
    assert.equal((await decide({ grants: [grant()] }, userCaller("alice"), { action: "kms:GenerateDataKey", key: lockedKey })).allowed, false);
    const other = await decide({ grants: [grant()] }, userCaller("bob"), { action: "kms:Decrypt", key: lockedKey });
    assert.equal(other.allowed, false);
    assert.ok(other.trace.some((l) => l.includes(`grant g-1: does not apply: grantee ${ALICE} is not the caller`)));
  });

  test("a grant cannot override an explicit deny", async () => {
    const key = makeKey(doc({ Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*" }));
    const d = await decide({ grants: [grant()] }, userCaller("alice"), { action: "kms:Decrypt", key });
    assert.equal(d.allowed, false);
    assert.match(d.message ?? "", /explicit deny in a resource-based policy$/);
  });

  test("EncryptionContextSubset: the request must include the pairs; extra pairs are fine; keys ignore case, values do not", async () => {
    const g = grant({ constraints: { EncryptionContextSubset: { Department: "Finance", Classification: "Public" } } });
    const ec = (pairs: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(pairs).map(([k, v]) => [`kms:EncryptionContext:${k}`, v]));
    const ask = (pairs: Record<string, string>): Promise<Decision> => decide({ grants: [g] }, userCaller("alice"), { action: "kms:Decrypt", key: lockedKey, conditions: ec(pairs) });
    assert.equal((await ask({ Department: "Finance", Classification: "Public" })).allowed, true);
    assert.equal((await ask({ Customer: "12345", Department: "Finance", Classification: "Public" })).allowed, true);
    assert.equal((await ask({ department: "Finance", classification: "Public" })).allowed, true);
    assert.equal((await ask({ Department: "finance", Classification: "public" })).allowed, false);
    assert.equal((await ask({ Department: "Finance" })).allowed, false);
    assert.equal((await ask({})).allowed, false);
  });

  test("EncryptionContextEquals: the request's context must be exactly the constraint's", async () => {
    const g = grant({ constraints: { EncryptionContextEquals: { app: "billing" } } });
    const ask = (encryptionContext: Record<string, string>): Promise<Decision> =>
      decide({ grants: [g] }, userCaller("alice"), { action: "kms:Encrypt", key: lockedKey, encryptionContext });
    assert.equal((await ask({ app: "billing" })).allowed, true);
    assert.equal((await ask({ app: "billing", extra: "x" })).allowed, false);
    assert.equal((await ask({})).allowed, false);
  });

  test("constraints do not apply to operations without an encryption context, such as DescribeKey", async () => {
    const g = grant({ constraints: { EncryptionContextSubset: { app: "billing" } } });
    const d = await decide({ grants: [g] }, userCaller("alice"), { action: "kms:DescribeKey", key: lockedKey });
    assert.equal(d.allowed, true);
    assert.ok(d.trace.includes("grant g-1: applies (constraints do not apply to DescribeKey)"));
  });

  test("a grant to a role applies to the role's sessions", async () => {
    const d = await decide({ grants: [grant({ granteePrincipal: `arn:aws:iam::${ACCOUNT}:role/Engineering` })] }, sessionCaller("Engineering", "bob"), { action: "kms:Decrypt", key: lockedKey });
    assert.equal(d.allowed, true);
  });

  test("a grant to an external principal allows it cross-account without IAM permission", async () => {
    const d = await decide({ grants: [grant({ granteePrincipal: EVE })] }, userCaller("eve", OTHER), { action: "kms:Decrypt", key: lockedKey });
    assert.equal(d.allowed, true);
  });

  test("a grant to an account allows its users only through their IAM policies", async () => {
    const g = grant({ granteePrincipal: `arn:aws:iam::${OTHER}:root` });
    assert.equal((await decide({ grants: [g] }, userCaller("eve", OTHER), { action: "kms:Decrypt", key: lockedKey })).allowed, false);
    assert.equal((await decide({ grants: [g], identity: { [EVE]: [allowKmsIam] } }, userCaller("eve", OTHER), { action: "kms:Decrypt", key: lockedKey })).allowed, true);
    assert.equal((await decide({ grants: [g] }, rootCaller(OTHER), { action: "kms:Decrypt", key: lockedKey })).allowed, true);
  });

  test("grants are not consulted when the policies already allow", async () => {
    const lookups = fakeLookups({ grants: [grant()] });
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:*", Resource: "*" }));
    await new KmsAuthorizer(lookups).decide(userCaller("alice"), { action: "kms:Decrypt", key }, NOW);
    assert.equal(lookups.calls.grants, 0);
  });
});

describe("attribute-based access control", () => {
  const tagged = makeKey(doc(ROOT_DELEGATION), {}, [{ TagKey: "Project", TagValue: "Alpha" }]);
  const untagged = makeKey(doc(ROOT_DELEGATION));
  const tagPolicy = iam({ Effect: "Allow", Action: ["kms:Decrypt"], Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`, Condition: { StringEquals: { "aws:ResourceTag/Project": "Alpha" } } });

  test("aws:ResourceTag in an IAM policy allows keys with the tag only", async () => {
    assert.equal((await decide({ identity: { [ALICE]: [tagPolicy] } }, userCaller("alice"), { action: "kms:Decrypt", key: tagged })).allowed, true);
    assert.equal((await decide({ identity: { [ALICE]: [tagPolicy] } }, userCaller("alice"), { action: "kms:Decrypt", key: untagged })).allowed, false);
  });

  test("an IAM Deny on a missing tag (Null) denies untagged keys", async () => {
    const policies = [allowKmsIam, iam({ Effect: "Deny", Action: "kms:*", Resource: "*", Condition: { Null: { "aws:ResourceTag/Type": "true" } } })];
    assert.equal((await decide({ identity: { [ALICE]: policies } }, userCaller("alice"), { action: "kms:Decrypt", key: untagged })).allowed, false);
  });

  test("aws:ResourceTag is not supported in key policies: a key policy condition on it never matches", async () => {
    const key = makeKey(
      doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/Project": "Alpha" } } }),
      {},
      [{ TagKey: "Project", TagValue: "Alpha" }],
    );
    assert.equal((await decide({}, userCaller("alice"), { action: "kms:Decrypt", key })).allowed, false);
  });

  test("kms:ResourceAliases in an IAM policy is evaluated against the key's aliases, looked up only when used", async () => {
    const aliasPolicy = iam({ Effect: "Allow", Action: "kms:GenerateDataKey", Resource: "*", Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/finance-key" } } });
    const lookups = fakeLookups({ identity: { [ALICE]: [aliasPolicy] }, aliases: ["alias/finance-key", "alias/other"] });
    const d = await new KmsAuthorizer(lookups).decide(userCaller("alice"), { action: "kms:GenerateDataKey", key: untagged }, NOW);
    assert.equal(d.allowed, true);
    assert.equal(lookups.calls.aliases, 1);
    const plain = fakeLookups({ identity: { [ALICE]: [allowKmsIam] }, aliases: ["alias/x"] });
    await new KmsAuthorizer(plain).decide(userCaller("alice"), { action: "kms:GenerateDataKey", key: untagged }, NOW);
    assert.equal(plain.calls.aliases, 0);
    const noAlias = await decide({ identity: { [ALICE]: [aliasPolicy] }, aliases: [] }, userCaller("alice"), { action: "kms:GenerateDataKey", key: untagged });
    assert.equal(noAlias.allowed, false);
  });

  test("kms:RequestAlias in a key policy allows the operation only when the request named the key by that alias", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:GenerateDataKey", Resource: "*", Condition: { StringEquals: { "kms:RequestAlias": "alias/finance-key" } } }));
    assert.equal((await decide({}, userCaller("alice"), { action: "kms:GenerateDataKey", key, conditions: { "kms:RequestAlias": "alias/finance-key" } })).allowed, true);
    assert.equal((await decide({}, userCaller("alice"), { action: "kms:GenerateDataKey", key })).allowed, false);
  });
});

describe("messages and trace", () => {
  test("a Decrypt whose key came from the ciphertext is worded as AWS words it", async () => {
    const d = await decide({}, userCaller("alice"), { action: "kms:Decrypt", key: defaultKey, resourceFromCiphertext: true });
    assert.equal(d.message, `User: ${ALICE} is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because no identity-based policy allows the kms:Decrypt action`);
  });

  test("the trace lists every statement of every policy considered and ends with the decision", async () => {
    const key = makeKey(doc(ROOT_DELEGATION, { Sid: "Admins", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Admin` }, Action: "kms:*", Resource: "*" }));
    const named = { name: "crypto-read", document: iam({ Effect: "Allow", Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:EncryptionContext:app": "billing" } } }) };
    const d = await decide({ identity: { [ALICE]: [named] } }, userCaller("alice"), { action: "kms:Decrypt", key, conditions: { "kms:EncryptionContext:app": "hr" } });
    assert.deepEqual(d.trace, [
      `request: ${ALICE} kms:Decrypt on ${KEY_ARN} (same account)`,
      `identity policy "crypto-read" statement 0 (Allow): does not apply: Condition: StringEquals kms:EncryptionContext:app: request value "hr" does not satisfy "billing"`,
      `key policy statement 0 "Enable IAM User Permissions" (Allow): applies (Principal names the caller's account, which delegates to its IAM policies)`,
      `key policy statement 1 "Admins" (Allow): does not apply: Principal: ${ALICE} is not named by Principal arn:aws:iam::${ACCOUNT}:role/Admin`,
      "decision: denied: the key policy delegates kms:Decrypt to account 111122223333 but no identity policy allows it",
    ]);
  });

  test("a caller without identity policies is told so in the trace", async () => {
    const d = await decide({}, userCaller("alice"), { action: "kms:Decrypt", key: defaultKey });
    assert.ok(d.trace.includes(`no identity policies are attached to ${ALICE}`));
  });
});

describe("compiled-policy cache", () => {
  test("the same key policy and identity policy texts are compiled once across requests", async () => {
    const cache = new PolicyCache();
    const authz = new KmsAuthorizer(fakeLookups({ identity: { [ALICE]: [allowKmsIam] } }), { cache });
    for (let i = 0; i < 5; i++) assert.equal((await authz.decide(userCaller("alice"), { action: "kms:Encrypt", key: defaultKey }, NOW)).allowed, true);
    assert.equal(cache.stats.compiles, 2);
    // The identity policy comes from the text cache each time; the key's policy, once compiled, is
    // remembered by key id and not looked up by text again while the text stays the same.
    assert.equal(cache.stats.hits, 4);
  });

  test("a key whose policy text changes gets the new policy, whatever its revision says", async () => {
    const authz = new KmsAuthorizer(fakeLookups());
    const open = makeKey(doc(ROOT_DELEGATION));
    const closed = makeKey(doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:*", Resource: "*" }));
    assert.equal(closed.revision, open.revision);
    assert.equal((await authz.decide(rootCaller(), { action: "kms:Encrypt", key: open }, NOW)).allowed, true);
    assert.equal((await authz.decide(rootCaller(), { action: "kms:Encrypt", key: closed }, NOW)).allowed, false);
    assert.equal((await authz.decide(rootCaller(), { action: "kms:Encrypt", key: { ...open, policy: `${open.policy}` } }, NOW)).allowed, true);
  });

  test("a stored key policy that does not compile denies, and is not recompiled", async () => {
    const cache = new PolicyCache();
    const authz = new KmsAuthorizer(fakeLookups(), { cache });
    const key = makeKey("{ broken");
    for (let i = 0; i < 3; i++) {
      const d = await authz.decide(rootCaller(), { action: "kms:Encrypt", key }, NOW);
      assert.equal(d.allowed, false);
      assert.ok(d.trace.some((l) => l.startsWith("key policy does not compile:")));
    }
    assert.equal(cache.stats.compiles, 1);
  });

  test("an identity policy that does not compile fails closed", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:*", Resource: "*" }));
    const d = await decide({ identity: { [ALICE]: [iam({ Effect: "Allow", Action: "kms:*" })] } }, userCaller("alice"), { action: "kms:Encrypt", key });
    assert.equal(d.allowed, false);
    assert.ok(d.trace.some((l) => l.startsWith('identity policy "#0" does not compile:')));
  });
});

describe("the service authorizer", () => {
  test("KmsAuthorizer is an Authorizer: the dev root principal can create and use keys under the default policy", async () => {
    const authz: Authorizer = new KmsAuthorizer(fakeLookups());
    assert.equal((await authz.decide(rootCaller(), { action: "kms:CreateKey", conditions: { "kms:KeySpec": "SYMMETRIC_DEFAULT" } }, NOW)).allowed, true);
    const key: KeyRecord = makeKey(doc(ROOT_DELEGATION));
    for (const action of ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"]) {
      assert.equal((await authz.decide(rootCaller(), { action, key }, NOW)).allowed, true, action);
    }
  });
});
