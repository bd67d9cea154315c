import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RetirableGrant } from "./authorizer.js";
import { KmsAuthorizer } from "./kms-authorizer.js";
import { ACCOUNT, ALLOW_ALL_KMS, doc, fakeLookups, KEY_ARN, makeKey, NOW, OTHER, ROOT_DELEGATION, rootCaller, roleCaller, sessionCaller, userCaller } from "./policy-test-fixtures.js";

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;
const key = makeKey(doc(ROOT_DELEGATION));
const grant = (g: Partial<RetirableGrant> = {}): RetirableGrant => ({
  grantId: "g-1",
  granteePrincipal: ALICE,
  operations: ["Decrypt"],
  issuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
  ...g,
});
const retireIam = doc({ Effect: "Allow", Action: "kms:RetireGrant", Resource: "*" });

function authz(identity: Record<string, readonly string[]> = {}): KmsAuthorizer {
  return new KmsAuthorizer(fakeLookups({ identity }));
}

describe("who may retire a grant", () => {
  test("the retiring principal, without any policy", async () => {
    const d = await authz().decideRetireGrant(userCaller("bob"), key, grant({ retiringPrincipal: BOB }), NOW);
    assert.equal(d.allowed, true);
    assert.match(d.trace[d.trace.length - 1] ?? "", /the caller is the grant's retiring principal/);
  });

  test("a retiring role covers the role's sessions", async () => {
    const d = await authz().decideRetireGrant(sessionCaller("Ops", "s1"), key, grant({ retiringPrincipal: `arn:aws:iam::${ACCOUNT}:role/Ops`, issuingAccount: `arn:aws:iam::${OTHER}:root` }), NOW);
    assert.equal(d.allowed, true);
  });

  test("the grantee only when the grant lists RetireGrant", async () => {
    assert.equal((await authz().decideRetireGrant(userCaller("alice"), key, grant(), NOW)).allowed, false);
    assert.equal((await authz().decideRetireGrant(userCaller("alice"), key, grant({ operations: ["Decrypt", "RetireGrant"] }), NOW)).allowed, true);
  });

  test("the root user of the account that created the grant", async () => {
    assert.equal((await authz().decideRetireGrant(rootCaller(), key, grant(), NOW)).allowed, true);
    assert.equal((await authz().decideRetireGrant(rootCaller(OTHER), key, grant(), NOW)).allowed, false);
  });

  test("a user of that account with kms:RetireGrant in an identity policy, not without", async () => {
    assert.equal((await authz({ [BOB]: [retireIam] }).decideRetireGrant(userCaller("bob"), key, grant(), NOW)).allowed, true);
    const d = await authz().decideRetireGrant(userCaller("bob"), key, grant(), NOW);
    assert.equal(d.allowed, false);
    assert.equal(d.message, `User: ${BOB} is not authorized to perform: kms:RetireGrant on resource: ${KEY_ARN} because no identity-based policy allows the kms:RetireGrant action`);
  });

  test("an identity policy allowing kms:RetireGrant does not help a user of another account", async () => {
    const eve = `arn:aws:iam::${OTHER}:user/eve`;
    assert.equal((await authz({ [eve]: [doc(ALLOW_ALL_KMS)] }).decideRetireGrant(userCaller("eve", OTHER), key, grant(), NOW)).allowed, false);
  });

  test("an account grantee or retiring principal delegates to the account's identity policies", async () => {
    const g = grant({ granteePrincipal: `arn:aws:iam::${OTHER}:root`, operations: ["RetireGrant"], issuingAccount: `arn:aws:iam::${ACCOUNT}:root` });
    const eve = `arn:aws:iam::${OTHER}:user/eve`;
    assert.equal((await authz().decideRetireGrant(userCaller("eve", OTHER), key, g, NOW)).allowed, false);
    assert.equal((await authz({ [eve]: [retireIam] }).decideRetireGrant(userCaller("eve", OTHER), key, g, NOW)).allowed, true);
    assert.equal((await authz().decideRetireGrant(rootCaller(OTHER), key, g, NOW)).allowed, true);
  });

  test("an explicit deny in the caller's identity policy is reported as such on the delegated path", async () => {
    const deny = doc({ Effect: "Deny", Action: "kms:RetireGrant", Resource: "*" });
    const d = await authz({ [BOB]: [retireIam, deny] }).decideRetireGrant(userCaller("bob"), key, grant(), NOW);
    assert.equal(d.allowed, false);
    assert.match(d.message ?? "", /with an explicit deny in an identity-based policy$/);
  });

  test("a role of the issuing account is a principal of it too", async () => {
    const ops = `arn:aws:iam::${ACCOUNT}:role/Ops`;
    assert.equal((await authz({ [ops]: [retireIam] }).decideRetireGrant(roleCaller("Ops"), key, grant(), NOW)).allowed, true);
  });
});
