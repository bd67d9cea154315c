import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { evaluatePolicy, evaluateStatement, policyEffect } from "./evaluate.js";
import { compilePolicy } from "./policy-document.js";
import { ACCOUNT, ALLOW_ALL_KMS, doc, KEY_ARN, makeKey, NOW, ROOT_DELEGATION, userCaller } from "./policy-test-fixtures.js";
import { buildRequestContext, type RequestContext } from "./request-context.js";
import { statementLine } from "./trace.js";

function ctx(action: string, opts: { key?: boolean; user?: string; conditions?: Record<string, string | string[]> } = {}): RequestContext {
  const key = opts.key === false ? undefined : makeKey(doc(ROOT_DELEGATION));
  return buildRequestContext({
    caller: userCaller(opts.user ?? "alice"),
    request: { action, ...(key !== undefined ? { key } : {}), ...(opts.conditions !== undefined ? { conditions: opts.conditions } : {}) },
    now: NOW,
  });
}

function outcome(stmt: Record<string, unknown>, c: RequestContext, kind: "key" | "identity" = "identity") {
  const p = compilePolicy(doc(stmt), kind);
  const s = p.statements[0];
  assert.ok(s);
  return evaluateStatement(s, c);
}

describe("statement evaluation", () => {
  test("Action wildcards cover families of operations", () => {
    const s = { ...ALLOW_ALL_KMS, Action: ["kms:ReEncrypt*", "kms:GenerateDataKey*"] };
    assert.ok(outcome(s, ctx("kms:ReEncryptFrom")).applies);
    assert.ok(outcome(s, ctx("kms:GenerateDataKeyPairWithoutPlaintext")).applies);
    assert.ok(!outcome(s, ctx("kms:Decrypt")).applies);
  });

  test("an action written in another letter case still matches", () => {
    assert.ok(outcome({ ...ALLOW_ALL_KMS, Action: "KMS:ENCRYPT" }, ctx("kms:Encrypt")).applies);
  });

  test("NotAction applies to every action it does not list", () => {
    const s = { Effect: "Deny", NotAction: ["kms:Describe*", "kms:List*"], Resource: "*" };
    assert.ok(outcome(s, ctx("kms:Encrypt")).applies);
    const o = outcome(s, ctx("kms:DescribeKey"));
    assert.ok(!o.applies);
    assert.deepEqual(o.failed?.element, "NotAction");
  });

  test("Resource matches the key ARN with wildcards; a key of another region or account does not match", () => {
    assert.ok(outcome({ ...ALLOW_ALL_KMS, Resource: `arn:aws:kms:*:${ACCOUNT}:key/*` }, ctx("kms:Encrypt")).applies);
    assert.ok(outcome({ ...ALLOW_ALL_KMS, Resource: KEY_ARN }, ctx("kms:Encrypt")).applies);
    const o = outcome({ ...ALLOW_ALL_KMS, Resource: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/*` }, ctx("kms:Encrypt"));
    assert.ok(!o.applies);
    assert.equal(o.failed?.element, "Resource");
    assert.match(o.failed?.detail ?? "", /is not matched by Resource arn:aws:kms:eu-west-1/);
  });

  test("NotResource applies to every resource it does not list", () => {
    assert.ok(outcome({ Effect: "Allow", Action: "kms:*", NotResource: "arn:aws:kms:*:*:key/other" }, ctx("kms:Encrypt")).applies);
    assert.ok(!outcome({ Effect: "Allow", Action: "kms:*", NotResource: `arn:aws:kms:*:${ACCOUNT}:key/*` }, ctx("kms:Encrypt")).applies);
  });

  test("an account-level action matches only Resource \"*\" (and any NotResource ARN)", () => {
    assert.ok(outcome({ ...ALLOW_ALL_KMS, Resource: "*" }, ctx("kms:CreateKey", { key: false })).applies);
    assert.ok(!outcome({ ...ALLOW_ALL_KMS, Resource: `arn:aws:kms:*:${ACCOUNT}:*` }, ctx("kms:CreateKey", { key: false })).applies);
    assert.ok(outcome({ Effect: "Allow", Action: "kms:*", NotResource: `arn:aws:kms:*:${ACCOUNT}:key/*` }, ctx("kms:ListKeys", { key: false })).applies);
  });

  test("a Resource with ${aws:username} matches the key named after the caller", () => {
    const s = { ...ALLOW_ALL_KMS, Resource: "arn:aws:kms:*:*:key/${aws:username}" };
    const aliceKey = buildRequestContext({ caller: userCaller("alice"), request: { action: "kms:Encrypt", key: makeKey("{}", { keyId: "alice" }) }, now: NOW });
    const bobKey = buildRequestContext({ caller: userCaller("alice"), request: { action: "kms:Encrypt", key: makeKey("{}", { keyId: "bob" }) }, now: NOW });
    assert.ok(outcome(s, aliceKey).applies);
    assert.ok(!outcome(s, bobKey).applies);
  });

  test("a Resource variable without a value makes the statement not apply, and says which", () => {
    const o = outcome({ ...ALLOW_ALL_KMS, Resource: "arn:aws:kms:*:*:key/${aws:PrincipalTag/team}" }, ctx("kms:Encrypt"));
    assert.ok(!o.applies);
    assert.match(o.failed?.detail ?? "", /\$\{aws:PrincipalTag\/team\} .* has no value/);
  });

  test("a key policy statement is checked against the Principal first", () => {
    const o = outcome({ ...ALLOW_ALL_KMS, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` } }, ctx("kms:Encrypt"), "key");
    assert.ok(!o.applies);
    assert.equal(o.failed?.element, "Principal");
    assert.equal(o.principalMatch, "none");
  });

  test("a failing condition is reported with its operator, key and values", () => {
    const o = outcome({ ...ALLOW_ALL_KMS, Condition: { StringEquals: { "kms:EncryptionContext:app": "billing" } } }, ctx("kms:Encrypt", { conditions: { "kms:EncryptionContext:app": "hr" } }));
    assert.ok(!o.applies);
    assert.equal(o.failed?.element, "Condition");
    assert.equal(o.failed?.detail, 'StringEquals kms:EncryptionContext:app: request value "hr" does not satisfy "billing"');
  });

  test("the trace line names the source, statement, Sid, effect and why", () => {
    const p = compilePolicy(
      doc({ Sid: "Crypto", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` }, Action: "kms:Decrypt", Resource: "*" }, ROOT_DELEGATION),
      "key",
    );
    const lines = evaluatePolicy(p, ctx("kms:Encrypt")).map((o) => statementLine("key policy", o));
    assert.deepEqual(lines, [
      `key policy statement 0 "Crypto" (Allow): does not apply: Principal: arn:aws:iam::${ACCOUNT}:user/alice is not named by Principal arn:aws:iam::${ACCOUNT}:user/bob`,
      `key policy statement 1 "Enable IAM User Permissions" (Allow): applies (Principal names the caller's account, which delegates to its IAM policies)`,
    ]);
  });
});

describe("policy effect", () => {
  test("an applicable Deny outweighs any number of applicable Allows", () => {
    const p = compilePolicy(doc(ALLOW_ALL_KMS, { Effect: "Deny", Action: "kms:Encrypt", Resource: "*" }, ALLOW_ALL_KMS), "identity");
    assert.equal(policyEffect(evaluatePolicy(p, ctx("kms:Encrypt"))), "Deny");
    assert.equal(policyEffect(evaluatePolicy(p, ctx("kms:Decrypt"))), "Allow");
  });

  test("a policy with no applicable statement is not applicable (an implicit deny)", () => {
    const p = compilePolicy(doc({ ...ALLOW_ALL_KMS, Action: "kms:Decrypt" }), "identity");
    assert.equal(policyEffect(evaluatePolicy(p, ctx("kms:Encrypt"))), "NotApplicable");
  });
});
