import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KmsError } from "../domain/errors.js";
import { POLICY_MESSAGES } from "./policy-errors.js";
import { ACCOUNT, OTHER, rootCaller, roleCaller, sessionCaller, userCaller } from "./policy-test-fixtures.js";
import { compilePrincipal, matchPrincipal, namedIdentityArns } from "./principal.js";
import { principalIdentity } from "./request-context.js";

const alice = principalIdentity(userCaller("alice"));
const root = principalIdentity(rootCaller());
const session = principalIdentity(sessionCaller("Engineering", "bob"));
const role = principalIdentity(roleCaller("Engineering"));
const outsider = principalIdentity(userCaller("eve", OTHER));

function invalidPrincipal(raw: unknown): void {
  assert.throws(
    () => compilePrincipal(raw, false),
    (e: unknown) => e instanceof KmsError && e.code === "MalformedPolicyDocumentException" && e.message === POLICY_MESSAGES.invalidPrincipals,
  );
}

describe("Principal element", () => {
  test('"*" and {"AWS": "*"} name every caller directly', () => {
    assert.equal(matchPrincipal(compilePrincipal("*", false), alice), "direct");
    assert.equal(matchPrincipal(compilePrincipal({ AWS: "*" }, false), outsider), "direct");
  });

  test("an account id and the account root ARN name the account: delegation for users, direct for the root user", () => {
    for (const p of [{ AWS: ACCOUNT }, { AWS: `arn:aws:iam::${ACCOUNT}:root` }]) {
      const c = compilePrincipal(p, false);
      assert.equal(matchPrincipal(c, alice), "account");
      assert.equal(matchPrincipal(c, session), "account");
      assert.equal(matchPrincipal(c, root), "direct");
      assert.equal(matchPrincipal(c, outsider), "none");
    }
  });

  test("a user ARN names exactly that user", () => {
    const c = compilePrincipal({ AWS: `arn:aws:iam::${ACCOUNT}:user/alice` }, false);
    assert.equal(matchPrincipal(c, alice), "direct");
    assert.equal(matchPrincipal(c, principalIdentity(userCaller("alicia"))), "none");
    assert.equal(matchPrincipal(c, root), "none");
  });

  test("a role ARN names the role and every session of it", () => {
    const c = compilePrincipal({ AWS: `arn:aws:iam::${ACCOUNT}:role/Engineering` }, false);
    assert.equal(matchPrincipal(c, role), "direct");
    assert.equal(matchPrincipal(c, session), "direct");
    assert.equal(matchPrincipal(c, principalIdentity(sessionCaller("Other", "bob"))), "none");
  });

  test("a role ARN with a path still names the sessions of that role", () => {
    const c = compilePrincipal({ AWS: `arn:aws:iam::${ACCOUNT}:role/team/Engineering` }, false);
    assert.equal(matchPrincipal(c, session), "direct");
  });

  test("an assumed-role ARN names only that session", () => {
    const c = compilePrincipal({ AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/Engineering/bob` }, false);
    assert.equal(matchPrincipal(c, session), "direct");
    assert.equal(matchPrincipal(c, principalIdentity(sessionCaller("Engineering", "carol"))), "none");
  });

  test("a list of principals matches any of them, a direct match winning over an account match", () => {
    const c = compilePrincipal({ AWS: [`arn:aws:iam::${ACCOUNT}:root`, `arn:aws:iam::${ACCOUNT}:user/alice`] }, false);
    assert.equal(matchPrincipal(c, alice), "direct");
  });

  test("Service, Federated and CanonicalUser principals are valid but never name a caller", () => {
    const c = compilePrincipal({ Service: "ec2.amazonaws.com", Federated: "cognito-identity.amazonaws.com", CanonicalUser: "79a59df9" }, false);
    assert.equal(matchPrincipal(c, alice), "none");
    assert.equal(matchPrincipal(c, root), "none");
  });

  test("malformed principals are refused with AWS's invalid-principals message", () => {
    invalidPrincipal({ AWS: "alice" });
    invalidPrincipal({ AWS: "12345" });
    invalidPrincipal({ AWS: `arn:aws:iam::${ACCOUNT}:user/*` });
    invalidPrincipal({ AWS: `arn:aws:iam::*:root` });
    invalidPrincipal({ AWS: `arn:aws:iam::${ACCOUNT}:group/admins` });
    invalidPrincipal({ AWS: `arn:aws:s3:::bucket` });
    invalidPrincipal({ AWS: [] });
    invalidPrincipal({ Group: "x" });
    invalidPrincipal({});
    invalidPrincipal("alice");
    invalidPrincipal(["*"]);
  });

  test("the user and role ARNs a principal names are listed for the existence check", () => {
    const c = compilePrincipal({ AWS: [ACCOUNT, `arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:iam::${ACCOUNT}:role/R`, `arn:aws:sts::${ACCOUNT}:assumed-role/R/s`] }, false);
    assert.deepEqual(namedIdentityArns(c), [`arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:iam::${ACCOUNT}:role/R`]);
  });
});

describe("NotPrincipal element", () => {
  test("NotPrincipal applies to every caller it does not list", () => {
    const c = compilePrincipal({ AWS: [`arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:iam::${ACCOUNT}:root`] }, true);
    assert.equal(matchPrincipal(c, alice), "none");
    assert.equal(matchPrincipal(c, principalIdentity(userCaller("bob"))), "direct");
    assert.equal(matchPrincipal(c, outsider), "direct");
  });

  test("a user listed without its account is not spared (AWS evaluates the account too)", () => {
    const c = compilePrincipal({ AWS: `arn:aws:iam::${ACCOUNT}:user/alice` }, true);
    assert.equal(matchPrincipal(c, alice), "direct");
  });

  test("a role session is spared only when the session, the role and the account are all listed", () => {
    const sessionArn = `arn:aws:sts::${ACCOUNT}:assumed-role/Engineering/bob`;
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/Engineering`;
    const acct = `arn:aws:iam::${ACCOUNT}:root`;
    assert.equal(matchPrincipal(compilePrincipal({ AWS: [sessionArn, roleArn, acct] }, true), session), "none");
    assert.equal(matchPrincipal(compilePrincipal({ AWS: [sessionArn, acct] }, true), session), "direct");
    assert.equal(matchPrincipal(compilePrincipal({ AWS: [roleArn, acct] }, true), session), "direct");
  });

  test("the root user is spared by listing its account", () => {
    assert.equal(matchPrincipal(compilePrincipal({ AWS: ACCOUNT }, true), root), "none");
  });
});
