import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KmsError } from "../domain/errors.js";
import { checkPrincipalsExist, compilePolicy, MAX_KEY_POLICY_BYTES, namedPrincipalArns } from "./policy-document.js";
import { POLICY_MESSAGES } from "./policy-errors.js";
import { ACCOUNT, ALLOW_ALL_KMS, doc, ROOT_DELEGATION } from "./policy-test-fixtures.js";

function refusesKey(text: string, pattern: RegExp | string, code = "MalformedPolicyDocumentException"): void {
  assert.throws(
    () => compilePolicy(text, "key"),
    (e: unknown) => e instanceof KmsError && e.code === code && (typeof pattern === "string" ? e.message === pattern : pattern.test(e.message)),
  );
}

function refusesIdentity(text: string, pattern: RegExp | string): void {
  assert.throws(
    () => compilePolicy(text, "identity"),
    (e: unknown) => e instanceof KmsError && e.code === "MalformedPolicyDocumentException" && (typeof pattern === "string" ? e.message === pattern : pattern.test(e.message)),
  );
}

describe("policy document grammar", () => {
  test("the default key policy compiles into one Allow statement for the account", () => {
    const p = compilePolicy(doc(ROOT_DELEGATION), "key");
    assert.equal(p.version, "2012-10-17");
    assert.equal(p.statements.length, 1);
    assert.equal(p.statements[0]?.effect, "Allow");
    assert.equal(p.statements[0]?.sid, "Enable IAM User Permissions");
    assert.deepEqual(p.statements[0]?.principal?.entries, [{ kind: "account", text: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT }]);
  });

  test("Statement may be a single object instead of an array, and Id is kept", () => {
    const p = compilePolicy(JSON.stringify({ Version: "2012-10-17", Id: "key-default-1", Statement: ROOT_DELEGATION }), "key");
    assert.equal(p.id, "key-default-1");
    assert.equal(p.statements.length, 1);
  });

  test("a document without Version is 2008-10-17; any other Version is refused", () => {
    assert.equal(compilePolicy(JSON.stringify({ Statement: [ROOT_DELEGATION] }), "key").version, "2008-10-17");
    refusesKey(JSON.stringify({ Version: "2012-10-18", Statement: [ROOT_DELEGATION] }), /Version/);
  });

  test("text that is not JSON, or not an object, is refused", () => {
    refusesKey("{not json", POLICY_MESSAGES.notJson);
    refusesKey("[]", /JSON object/);
    refusesKey('"x"', /JSON object/);
  });

  test("a document without statements is refused", () => {
    refusesKey(JSON.stringify({ Version: "2012-10-17" }), /Statement/);
    refusesKey(JSON.stringify({ Version: "2012-10-17", Statement: [] }), /at least one statement/);
  });

  test("unknown top-level and statement elements are refused", () => {
    refusesKey(JSON.stringify({ Version: "2012-10-17", Statement: [ROOT_DELEGATION], Extra: 1 }), /unsupported element: Extra/);
    refusesKey(doc({ ...ROOT_DELEGATION, Effects: "Allow" }), /unsupported element: Effects/);
  });

  test("Effect must be exactly Allow or Deny", () => {
    refusesKey(doc({ ...ROOT_DELEGATION, Effect: "allow" }), /Effect/);
    refusesKey(doc({ ...ROOT_DELEGATION, Effect: undefined }), /Effect/);
  });

  test("a statement needs exactly one of Action and NotAction", () => {
    refusesKey(doc({ ...ROOT_DELEGATION, Action: undefined }), /Action or NotAction/);
    refusesKey(doc({ ...ROOT_DELEGATION, NotAction: "kms:Decrypt" }), /both Action and NotAction/);
  });

  test("a key policy statement needs Resource or NotResource (KMS refuses statements without one since August 2025)", () => {
    refusesKey(doc({ ...ROOT_DELEGATION, Resource: undefined }), /Resource or NotResource/);
    refusesKey(doc({ ...ROOT_DELEGATION, NotResource: "*" }), /both Resource and NotResource/);
  });

  test("a key policy statement needs exactly one of Principal and NotPrincipal", () => {
    refusesKey(doc({ ...ROOT_DELEGATION, Principal: undefined }), /Principal or NotPrincipal/);
    refusesKey(doc({ ...ROOT_DELEGATION, NotPrincipal: { AWS: ACCOUNT } }), /both Principal and NotPrincipal/);
  });

  test("an identity policy must not name a principal", () => {
    refusesIdentity(doc({ ...ALLOW_ALL_KMS, Principal: "*" }), POLICY_MESSAGES.identityPrincipal);
    refusesIdentity(doc({ ...ALLOW_ALL_KMS, NotPrincipal: { AWS: ACCOUNT } }), POLICY_MESSAGES.identityPrincipal);
    assert.equal(compilePolicy(doc(ALLOW_ALL_KMS), "identity").statements[0]?.principal, undefined);
  });

  test("the Sid of an identity policy is alphanumeric; a key policy Sid may contain spaces", () => {
    refusesIdentity(doc({ ...ALLOW_ALL_KMS, Sid: "has spaces" }), /Sid/);
    assert.doesNotThrow(() => compilePolicy(doc({ ...ROOT_DELEGATION, Sid: "Allow use of the key" }), "key"));
  });

  test("actions are * or service:name with wildcards; anything else is refused", () => {
    assert.doesNotThrow(() => compilePolicy(doc({ ...ROOT_DELEGATION, Action: ["*", "kms:*", "kms:ReEncrypt*", "kms:Get?eyPolicy", "s3:GetObject"] }), "key"));
    refusesKey(doc({ ...ROOT_DELEGATION, Action: "Encrypt" }), /service:action/);
    refusesKey(doc({ ...ROOT_DELEGATION, Action: "kms:Encrypt:x" }), /service:action/);
    refusesKey(doc({ ...ROOT_DELEGATION, Action: [] }), /empty list/);
    refusesKey(doc({ ...ROOT_DELEGATION, Action: ["kms:Encrypt", 3] }), /non-empty string/);
  });

  test("action names match case-insensitively, with wildcards", () => {
    const p = compilePolicy(doc({ ...ROOT_DELEGATION, Action: ["KMS:encrypt", "kms:GenerateDataKey*"] }), "key");
    const patterns = p.statements[0]?.action.patterns ?? [];
    assert.ok(patterns.some((a) => a.re.test("kms:Encrypt")));
    assert.ok(patterns.some((a) => a.re.test("kms:GenerateDataKeyWithoutPlaintext")));
    assert.ok(!patterns.some((a) => a.re.test("kms:Decrypt")));
  });

  test("resources are * or ARNs; other text is refused", () => {
    assert.doesNotThrow(() => compilePolicy(doc({ ...ALLOW_ALL_KMS, Resource: ["arn:aws:kms:*:111122223333:key/*", "*"] }), "identity"));
    refusesIdentity(doc({ ...ALLOW_ALL_KMS, Resource: "key/abc" }), /must be in ARN format or "\*"/);
    refusesIdentity(doc({ ...ALLOW_ALL_KMS, Resource: "arn:aws:kms" }), /must be in ARN format/);
  });

  test("a key policy larger than 32768 bytes is refused with LimitExceededException", () => {
    const pad = "x".repeat(MAX_KEY_POLICY_BYTES);
    refusesKey(doc({ ...ROOT_DELEGATION, Sid: pad }), POLICY_MESSAGES.tooLarge, "LimitExceededException");
  });

  test("a key policy of exactly 32768 bytes is accepted", () => {
    const base = doc({ ...ROOT_DELEGATION, Sid: "" });
    const text = doc({ ...ROOT_DELEGATION, Sid: "x".repeat(MAX_KEY_POLICY_BYTES - Buffer.byteLength(base)) });
    assert.equal(Buffer.byteLength(text), MAX_KEY_POLICY_BYTES);
    assert.doesNotThrow(() => compilePolicy(text, "key"));
  });

  test("a key policy may hold only tab, LF, CR and U+0020..U+00FF", () => {
    assert.doesNotThrow(() => compilePolicy(doc({ ...ROOT_DELEGATION, Sid: "Schlüssel\tfür alle" }), "key"));
    refusesKey(doc({ ...ROOT_DELEGATION, Sid: "key 🔑" }), POLICY_MESSAGES.badCharacters);
    refusesKey(doc(ROOT_DELEGATION).replace('"Enable', '"\u0001Enable'), POLICY_MESSAGES.badCharacters);
  });

  test("policy variables are compiled only in 2012-10-17 documents", () => {
    const v12 = compilePolicy(doc({ ...ALLOW_ALL_KMS, Resource: "arn:aws:kms:*:*:key/${aws:username}" }), "identity");
    const v08 = compilePolicy(JSON.stringify({ Version: "2008-10-17", Statement: [{ ...ALLOW_ALL_KMS, Resource: "arn:aws:kms:*:*:key/${aws:username}" }] }), "identity");
    const seg = (p: typeof v12): boolean => {
      const r = p.statements[0]?.resource.patterns[0];
      return r !== undefined && !r.all && r.arn?.segments[5]?.hasVariables === true;
    };
    assert.ok(seg(v12));
    assert.ok(!seg(v08));
  });
});

describe("principals named by a key policy", () => {
  const policy = compilePolicy(
    doc(ROOT_DELEGATION, {
      Effect: "Allow",
      Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:iam::${ACCOUNT}:role/Admin`, `arn:aws:iam::${ACCOUNT}:user/alice`] },
      Action: "kms:Decrypt",
      Resource: "*",
    }),
    "key",
  );

  test("the named users and roles are listed once each", () => {
    assert.deepEqual(namedPrincipalArns(policy), [`arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:iam::${ACCOUNT}:role/Admin`]);
  });

  test("a policy naming a user that does not exist is refused with AWS's invalid-principals message", async () => {
    await assert.rejects(
      checkPrincipalsExist(policy, (arn) => arn.endsWith("user/alice")),
      (e: unknown) => e instanceof KmsError && e.code === "MalformedPolicyDocumentException" && e.message === "Policy contains a statement with one or more invalid principals.",
    );
  });

  test("a policy whose users and roles all exist passes, with a synchronous or asynchronous lookup", async () => {
    await checkPrincipalsExist(policy, () => true);
    await checkPrincipalsExist(policy, async () => true);
  });
});
