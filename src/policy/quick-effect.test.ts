import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AuthzRequest, Caller } from "./authorizer.js";
import { evaluatePolicy, policyEffect, quickEffect } from "./evaluate.js";
import type { GrantLike } from "./grants.js";
import { KmsAuthorizer } from "./kms-authorizer.js";
import { compilePolicy } from "./policy-document.js";
import { buildRequestContext, keyPolicyView } from "./request-context.js";
import { ACCOUNT, ALLOW_ALL_KMS, doc, fakeLookups, makeKey, NOW, OTHER, ROOT_DELEGATION, rootCaller, roleCaller, sessionCaller, userCaller } from "./policy-test-fixtures.js";

/**
 * The allow fast path (quickEffect, KmsAuthorizer without traces of allowed decisions) must decide
 * exactly as the traced path does. Checked over a grid of policies, callers, actions and contexts.
 */

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const EVE = `arn:aws:iam::${OTHER}:user/eve`;

const KEY_POLICIES = [
  doc(ROOT_DELEGATION),
  doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*" }),
  doc(ROOT_DELEGATION, { Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { StringNotEquals: { "kms:EncryptionContext:app": "billing" } } }),
  doc(ROOT_DELEGATION, { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: "kms:*", Resource: "*" }),
  doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*", Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT } } }),
  doc({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Ops` }, Action: "kms:*", Resource: "*" }, { Effect: "Allow", NotPrincipal: { AWS: [ALICE, `arn:aws:iam::${ACCOUNT}:root`] }, Action: "kms:Describe*", Resource: "*" }),
  doc(ROOT_DELEGATION, { Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*", Condition: { NotIpAddress: { "aws:SourceIp": ["10.0.0.0/8"] } } }),
  doc(ROOT_DELEGATION, { Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:Encrypt", Resource: "*", Condition: { "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": ["app"] }, StringLike: { "kms:RequestAlias": "alias/app-*" } } }),
];

const IDENTITY = [
  [],
  [doc(ALLOW_ALL_KMS)],
  [doc({ Effect: "Allow", Action: "kms:Encrypt", Resource: `arn:aws:kms:*:${ACCOUNT}:key/*` })],
  [doc(ALLOW_ALL_KMS), doc({ Effect: "Deny", Action: "kms:Decrypt", Resource: "*" })],
  [doc({ Effect: "Allow", Action: "kms:*", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/team": "${aws:username}" } } })],
  [doc({ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*", Condition: { "ForAnyValue:StringLike": { "kms:ResourceAliases": "alias/app-*" } } })],
];

const CALLERS: Caller[] = [rootCaller(), userCaller("alice"), userCaller("bob", ACCOUNT, { sourceIp: "10.1.2.3" }), roleCaller("Ops"), sessionCaller("Ops", "s1"), userCaller("eve", OTHER), rootCaller(OTHER)];
const ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:PutKeyPolicy", "kms:CreateGrant"];
const CONDITIONS = [{}, { "kms:EncryptionContext:app": "billing", "kms:EncryptionContextKeys": ["app"] }, { "kms:RequestAlias": "alias/app-1", "kms:EncryptionContextKeys": ["app"], "kms:EncryptionContext:app": "x" }];
const GRANTS: GrantLike[] = [
  { grantId: "g-1", granteePrincipal: ALICE, operations: ["Decrypt"], constraints: { EncryptionContextSubset: { app: "billing" } } },
  { grantId: "g-2", granteePrincipal: `arn:aws:iam::${OTHER}:root`, operations: ["Encrypt", "DescribeKey"] },
];

describe("the allow fast path decides as the traced path", () => {
  test("a policy variable in a condition is resolved per request on the fast path", async () => {
    const key = makeKey(doc({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "kms:Encrypt", Resource: "*", Condition: { StringEquals: { "kms:EncryptionContext:app": "${aws:username}" } } }));
    const quick = new KmsAuthorizer(fakeLookups(), { traceAllowed: false });
    const ask = (app: string | undefined, caller = userCaller("alice")) =>
      quick.decide(caller, { action: "kms:Encrypt", key, conditions: app === undefined ? {} : { "kms:EncryptionContext:app": app } }, NOW);
    assert.equal((await ask("alice")).allowed, true);
    assert.equal((await ask("alicf")).allowed, false);
    assert.equal((await ask(undefined)).allowed, false);
    assert.equal((await ask("alice")).allowed, true);
    assert.equal((await ask("bob", userCaller("bob"))).allowed, false, "the key policy names alice only");
  });

  test("quickEffect agrees with evaluatePolicy and policyEffect", () => {
    let checked = 0;
    for (const text of [...KEY_POLICIES, ...IDENTITY.flat()]) {
      const kind = text.includes('"Principal"') || text.includes('"NotPrincipal"') ? "key" : "identity";
      const policy = compilePolicy(text, kind);
      for (const caller of CALLERS) {
        for (const action of ACTIONS) {
          for (const conditions of CONDITIONS) {
            const key = makeKey(KEY_POLICIES[0] ?? "", {}, [{ TagKey: "team", TagValue: "alice" }]);
            const request: AuthzRequest = { action, key, conditions };
            const ctx = keyPolicyView(buildRequestContext({ caller, request, now: NOW, aliases: ["alias/app-1"] }));
            const outcomes = evaluatePolicy(policy, ctx);
            const q = quickEffect(policy, ctx);
            const effect = policyEffect(outcomes);
            assert.equal(q.deny, effect === "Deny", `${text} ${caller.principalArn} ${action}`);
            if (effect !== "Deny") {
              const applies = outcomes.filter((o) => o.applies && o.statement.effect === "Allow");
              assert.equal(q.allowDirect, applies.some((o) => o.principalMatch === "direct" || o.principalMatch === undefined), `${text} ${caller.principalArn} ${action}`);
              if (!q.allowDirect) assert.equal(q.allowAccount, applies.some((o) => o.principalMatch === "account"));
            }
            checked++;
          }
        }
      }
    }
    assert.ok(checked > 1000);
  });

  test("KmsAuthorizer gives the same decisions, messages and grants with and without traces of allowed decisions", async () => {
    let allowed = 0;
    let deniedCount = 0;
    for (const kp of KEY_POLICIES) {
      for (const identity of IDENTITY) {
        const lookups = { identity: { [ALICE]: identity, [EVE]: identity, [`arn:aws:iam::${ACCOUNT}:user/bob`]: identity, [`arn:aws:iam::${ACCOUNT}:role/Ops`]: identity }, aliases: ["alias/app-1"], grants: GRANTS };
        const traced = new KmsAuthorizer(fakeLookups(lookups));
        const quick = new KmsAuthorizer(fakeLookups(lookups), { traceAllowed: false });
        const key = makeKey(kp, {}, [{ TagKey: "team", TagValue: "alice" }]);
        for (const caller of CALLERS) {
          for (const action of ACTIONS) {
            for (const conditions of CONDITIONS) {
              const request: AuthzRequest = { action, key, conditions };
              const a = await traced.decide(caller, request, NOW);
              const b = await quick.decide(caller, request, NOW);
              const what = `${kp} | ${JSON.stringify(identity)} | ${caller.principalArn} ${action} ${JSON.stringify(conditions)}`;
              assert.equal(b.allowed, a.allowed, what);
              assert.equal(b.message, a.message, what);
              assert.equal(b.grant?.grantId, a.grant?.grantId, what);
              if (a.allowed) {
                allowed++;
                assert.equal(b.trace[b.trace.length - 1], a.trace[a.trace.length - 1], what);
                assert.equal(b.trace.length, 1);
              } else {
                deniedCount++;
                assert.deepEqual(b.trace, a.trace, "a denial carries its full trace either way");
              }
            }
          }
        }
      }
    }
    assert.ok(allowed > 100 && deniedCount > 100, `${allowed} allowed, ${deniedCount} denied`);
  });
});
