import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KmsError } from "../domain/errors.js";
import type { GrantRecord } from "../domain/grant-record.js";
import { checkPolicyDocument, MAX_KEY_POLICY_BYTES } from "./check-policy-document.js";
import { defaultKeyPolicy } from "./default-key-policy.js";
import { accessDeniedMessage } from "./deny-message.js";
import { checkGrantConstraints, matchGrantee, type GrantLike } from "./grants.js";
import { PolicyCache } from "./policy-cache.js";
import { ACCOUNT, doc, OTHER, ROOT_DELEGATION, rootCaller, sessionCaller, userCaller } from "./policy-test-fixtures.js";
import { principalIdentity } from "./request-context.js";

describe("checkPolicyDocument", () => {
  test("AWS's default key policy passes and is returned parsed", () => {
    const parsed = checkPolicyDocument(defaultKeyPolicy(ACCOUNT));
    assert.equal(parsed["Id"], "key-default-1");
  });

  test("a policy without a Principal, or with an invalid one, is refused", () => {
    assert.throws(() => checkPolicyDocument(doc({ Effect: "Allow", Action: "kms:*", Resource: "*" })), (e: unknown) => e instanceof KmsError && e.code === "MalformedPolicyDocumentException");
    assert.throws(
      () => checkPolicyDocument(doc({ ...ROOT_DELEGATION, Principal: { AWS: "nobody" } })),
      (e: unknown) => e instanceof KmsError && e.message === "Policy contains a statement with one or more invalid principals.",
    );
  });

  test("a policy over 32768 bytes is LimitExceededException", () => {
    assert.equal(MAX_KEY_POLICY_BYTES, 32768);
    assert.throws(() => checkPolicyDocument(doc({ ...ROOT_DELEGATION, Sid: "x".repeat(32768) })), (e: unknown) => e instanceof KmsError && e.code === "LimitExceededException");
  });
});

describe("access denied messages", () => {
  const user = `arn:aws:iam::${ACCOUNT}:user/x`;
  const arn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

  test("the implicit-deny forms name the policy type that did not allow", () => {
    assert.equal(
      accessDeniedMessage(user, "kms:Encrypt", arn, { explicit: false, policyType: "resource-based" }),
      `User: ${user} is not authorized to perform: kms:Encrypt on resource: ${arn} because no resource-based policy allows the kms:Encrypt action`,
    );
    assert.equal(
      accessDeniedMessage(user, "kms:Encrypt", arn, { explicit: false, policyType: "identity-based" }),
      `User: ${user} is not authorized to perform: kms:Encrypt on resource: ${arn} because no identity-based policy allows the kms:Encrypt action`,
    );
  });

  test("the explicit-deny forms name the policy type that denied", () => {
    assert.equal(accessDeniedMessage(user, "kms:Decrypt", arn, { explicit: true, policyType: "resource-based" }), `User: ${user} is not authorized to perform: kms:Decrypt on resource: ${arn} with an explicit deny in a resource-based policy`);
    assert.equal(accessDeniedMessage(user, "kms:Decrypt", arn, { explicit: true, policyType: "identity-based" }), `User: ${user} is not authorized to perform: kms:Decrypt on resource: ${arn} with an explicit deny in an identity-based policy`);
  });

  test("a key found from a ciphertext is 'the resource associated with this ciphertext'", () => {
    assert.equal(
      accessDeniedMessage(user, "kms:Decrypt", undefined, { explicit: false, policyType: "identity-based" }),
      `User: ${user} is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because no identity-based policy allows the kms:Decrypt action`,
    );
  });
});

describe("grant matching", () => {
  test("a grantee matches the user, the role of a session, or the account (delegating to IAM)", () => {
    assert.equal(matchGrantee(`arn:aws:iam::${ACCOUNT}:user/alice`, principalIdentity(userCaller("alice"))), "direct");
    assert.equal(matchGrantee(`arn:aws:iam::${ACCOUNT}:role/R`, principalIdentity(sessionCaller("R", "s"))), "direct");
    assert.equal(matchGrantee(`arn:aws:sts::${ACCOUNT}:assumed-role/R/s`, principalIdentity(sessionCaller("R", "s"))), "direct");
    assert.equal(matchGrantee(`arn:aws:iam::${ACCOUNT}:root`, principalIdentity(userCaller("alice"))), "account");
    assert.equal(matchGrantee(`arn:aws:iam::${ACCOUNT}:root`, principalIdentity(rootCaller())), "direct");
    assert.equal(matchGrantee(`arn:aws:iam::${OTHER}:root`, principalIdentity(userCaller("alice"))), "none");
    assert.equal(matchGrantee(`arn:aws:iam::${ACCOUNT}:user/bob`, principalIdentity(userCaller("alice"))), "none");
  });

  test("constraints apply only to encryption-context operations on symmetric keys", () => {
    const g: GrantLike = { grantId: "g", granteePrincipal: "x", operations: ["Sign", "Decrypt"], constraints: { EncryptionContextEquals: { a: "1" } } };
    assert.equal(checkGrantConstraints(g, "Decrypt", true, {}).ok, false);
    assert.equal(checkGrantConstraints(g, "Decrypt", false, {}).ok, true);
    assert.equal(checkGrantConstraints(g, "Sign", true, {}).ok, true);
    assert.equal(checkGrantConstraints(g, "Decrypt", true, { A: "1" }).ok, true);
  });
});

describe("compiled-policy cache", () => {
  test("a policy text is compiled once and then served from the cache", () => {
    const cache = new PolicyCache();
    const text = doc(ROOT_DELEGATION);
    const a = cache.get("key", text);
    const b = cache.get("key", text);
    assert.equal(a, b);
    assert.deepEqual(cache.stats, { compiles: 1, hits: 1, size: 1 });
  });

  test("the same text compiled as a key policy and as an identity policy are separate entries", () => {
    const cache = new PolicyCache();
    const text = doc({ Effect: "Allow", Action: "kms:*", Resource: "*" });
    cache.get("identity", text);
    assert.throws(() => cache.get("key", text));
    assert.equal(cache.stats.compiles, 2);
  });

  test("the least recently used entry is evicted when the cache is full", () => {
    const cache = new PolicyCache(2);
    const p = (n: number): string => doc({ ...ROOT_DELEGATION, Sid: `s${n}` });
    cache.get("key", p(1));
    cache.get("key", p(2));
    cache.get("key", p(1));
    cache.get("key", p(3));
    assert.equal(cache.stats.size, 2);
    cache.get("key", p(1));
    assert.equal(cache.stats.compiles, 3, "p1 was used recently and survived");
    cache.get("key", p(2));
    assert.equal(cache.stats.compiles, 4, "p2 was evicted");
  });

  test("an error is cached with its text and thrown again without recompiling", () => {
    const cache = new PolicyCache();
    assert.throws(() => cache.get("key", "nope"));
    assert.throws(() => cache.get("key", "nope"));
    assert.equal(cache.stats.compiles, 1);
  });
});

describe("grant records", () => {
  test("a stored GrantRecord can be handed to the authorizer as a GrantLike", () => {
    const record: GrantRecord = {
      grantId: "g",
      keyId: "k",
      keyAccountId: ACCOUNT,
      region: "us-east-1",
      granteePrincipal: `arn:aws:iam::${ACCOUNT}:user/alice`,
      operations: ["Decrypt"],
      constraints: { EncryptionContextSubset: { a: "1" } },
      issuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
      createdAt: 0,
    };
    const g: GrantLike = record;
    assert.equal(checkGrantConstraints(g, "Decrypt", true, { a: "1" }).ok, true);
  });
});
