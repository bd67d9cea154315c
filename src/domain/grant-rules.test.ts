import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KeyRecord } from "./key-record.js";
import { keyRecordFixture } from "./key-record-fixture.js";
import type { KeyUsage } from "./key-spec.js";
import { checkGrantRequest, grantOperationsFor, parseGrantPrincipal, sameGrantParameters, withinParentGrant } from "./grant-rules.js";
import type { GrantRecord } from "./grant-record.js";

function key(keySpec: string, keyUsage: KeyUsage): KeyRecord {
  return keyRecordFixture({ keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", keyUsage, keySpec });
}

const sorted = (s: ReadonlySet<string>): string[] => [...s].sort();

describe("grant operations per key type", () => {
  test("a symmetric encryption key allows the encryption and data-key operations, not GetPublicKey", () => {
    assert.deepEqual(sorted(grantOperationsFor(key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"))), [
      "CreateGrant", "Decrypt", "DescribeKey", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
      "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "RetireGrant",
    ]);
  });

  test("an RSA encryption key allows encryption and GetPublicKey, no data keys", () => {
    assert.deepEqual(sorted(grantOperationsFor(key("RSA_2048", "ENCRYPT_DECRYPT"))), [
      "CreateGrant", "Decrypt", "DescribeKey", "Encrypt", "GetPublicKey", "ReEncryptFrom", "ReEncryptTo", "RetireGrant",
    ]);
  });

  test("signing, HMAC and key agreement keys allow their own operations", () => {
    assert.deepEqual(sorted(grantOperationsFor(key("ECC_NIST_P256", "SIGN_VERIFY"))), ["CreateGrant", "DescribeKey", "GetPublicKey", "RetireGrant", "Sign", "Verify"]);
    assert.deepEqual(sorted(grantOperationsFor(key("HMAC_256", "GENERATE_VERIFY_MAC"))), ["CreateGrant", "DescribeKey", "GenerateMac", "RetireGrant", "VerifyMac"]);
    assert.deepEqual(sorted(grantOperationsFor(key("ECC_NIST_P384", "KEY_AGREEMENT"))), ["CreateGrant", "DeriveSharedSecret", "DescribeKey", "GetPublicKey", "RetireGrant"]);
  });

  test("only ML-KEM keys allow Encapsulate and Decapsulate", () => {
    assert.deepEqual(sorted(grantOperationsFor(key("ML_KEM_768", "ENCAPSULATE_DECAPSULATE"))), [
      "CreateGrant", "Decapsulate", "DescribeKey", "Encapsulate", "GetPublicKey", "RetireGrant",
    ]);
    assert.doesNotThrow(() => checkGrantRequest(key("ML_KEM_512", "ENCAPSULATE_DECAPSULATE"), ["Encapsulate", "Decapsulate"], undefined));
    for (const k of [key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"), key("RSA_4096", "ENCRYPT_DECRYPT"), key("SM2", "KEY_AGREEMENT")]) {
      assert.throws(() => checkGrantRequest(k, ["Encapsulate"], undefined), { name: "ValidationException" });
      assert.throws(() => checkGrantRequest(k, ["Decapsulate"], undefined), { name: "ValidationException" });
    }
  });
});

describe("checkGrantRequest", () => {
  const sym = key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT");
  test("an empty operation list is a validation error", () => {
    assert.throws(() => checkGrantRequest(sym, [], undefined), { name: "ValidationException" });
  });

  test("constraints go with encryption-context operations, DescribeKey, CreateGrant and RetireGrant only", () => {
    checkGrantRequest(sym, ["Decrypt", "DescribeKey", "CreateGrant", "RetireGrant"], { EncryptionContextSubset: { a: "b" } });
    assert.throws(() => checkGrantRequest(key("HMAC_256", "GENERATE_VERIFY_MAC"), ["GenerateMac"], { EncryptionContextEquals: { a: "b" } }), {
      name: "ValidationException",
      message: /not for \[GenerateMac\]\.$/,
    });
    assert.throws(() => checkGrantRequest(key("RSA_2048", "ENCRYPT_DECRYPT"), ["Encrypt"], { EncryptionContextEquals: { a: "b" } }), { name: "ValidationException" });
  });

  test("a constraint holds at most 8 pairs of values up to 384 characters", () => {
    const eight = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, "v"]));
    checkGrantRequest(sym, ["Decrypt"], { EncryptionContextSubset: eight });
    assert.throws(() => checkGrantRequest(sym, ["Decrypt"], { EncryptionContextSubset: { ...eight, k8: "v" } }), { name: "ValidationException" });
    checkGrantRequest(sym, ["Decrypt"], { EncryptionContextEquals: { a: "x".repeat(384) } });
    assert.throws(() => checkGrantRequest(sym, ["Decrypt"], { EncryptionContextEquals: { a: "x".repeat(385) } }), { name: "ValidationException" });
  });
});

describe("sameGrantParameters", () => {
  const g: GrantRecord = {
    grantId: "ab".repeat(32),
    keyId: "k",
    keyAccountId: "111122223333",
    region: "us-east-1",
    name: "n",
    granteePrincipal: "arn:aws:iam::111122223333:user/a",
    operations: ["Encrypt", "Decrypt"],
    constraints: { EncryptionContextSubset: { x: "1", y: "2" } },
    issuingAccount: "arn:aws:iam::111122223333:root",
    createdAt: 0,
  };
  const p = { granteePrincipal: g.granteePrincipal, operations: ["Decrypt", "Encrypt"], constraints: { EncryptionContextSubset: { y: "2", x: "1" } }, issuingAccount: g.issuingAccount };

  test("operation order and context pair order do not matter", () => {
    assert.equal(sameGrantParameters(g, p), true);
  });

  test("any other difference does", () => {
    assert.equal(sameGrantParameters(g, { ...p, operations: ["Decrypt"] }), false);
    assert.equal(sameGrantParameters(g, { ...p, retiringPrincipal: "arn:aws:iam::111122223333:user/r" }), false);
    assert.equal(sameGrantParameters(g, { ...p, constraints: { EncryptionContextEquals: { x: "1", y: "2" } } }), false);
    assert.equal(sameGrantParameters(g, { ...p, issuingAccount: "arn:aws:iam::444455556666:root" }), false);
  });
});

describe("withinParentGrant", () => {
  test("fewer operations and a superset of the parent's Subset pairs are within it", () => {
    const parent = { operations: ["Encrypt", "Decrypt", "CreateGrant"], constraints: { EncryptionContextSubset: { team: "a" } } };
    assert.equal(withinParentGrant(parent, { operations: ["Encrypt"], constraints: { EncryptionContextSubset: { team: "a", x: "y" } } }), undefined);
    assert.equal(withinParentGrant(parent, { operations: ["Encrypt"], constraints: { EncryptionContextEquals: { Team: "a" } } }), undefined);
    assert.match(withinParentGrant(parent, { operations: ["Sign"] }) ?? "", /does not allow \[Sign\]/);
    assert.match(withinParentGrant(parent, { operations: ["Encrypt"] }) ?? "", /EncryptionContextSubset constraint is not kept/);
  });

  test("a parent's EncryptionContextEquals must be kept exactly", () => {
    const parent = { operations: ["Decrypt"], constraints: { EncryptionContextEquals: { a: "1" } } };
    assert.equal(withinParentGrant(parent, { operations: ["Decrypt"], constraints: { EncryptionContextEquals: { a: "1" } } }), undefined);
    assert.ok(withinParentGrant(parent, { operations: ["Decrypt"], constraints: { EncryptionContextEquals: { a: "1", b: "2" } } }) !== undefined);
    assert.ok(withinParentGrant(parent, { operations: ["Decrypt"], constraints: { EncryptionContextSubset: { a: "1" } } }) !== undefined);
  });

  test("a parent without constraints lets the child have any", () => {
    assert.equal(withinParentGrant({ operations: ["Decrypt"] }, { operations: ["Decrypt"] }), undefined);
  });
});

describe("parseGrantPrincipal", () => {
  test("reads accounts, users, roles, role sessions and federated users", () => {
    assert.deepEqual(parseGrantPrincipal("arn:aws:iam::111122223333:root"), { kind: "account", accountId: "111122223333", arn: "arn:aws:iam::111122223333:root" });
    assert.equal(parseGrantPrincipal("arn:aws:iam::111122223333:user/alice")?.kind, "user");
    assert.equal(parseGrantPrincipal("arn:aws:iam::111122223333:role/path/Admin")?.kind, "role");
    const s = parseGrantPrincipal("arn:aws:sts::111122223333:assumed-role/Admin/sess");
    assert.ok(s?.kind === "assumed-role" && s.roleArn === "arn:aws:iam::111122223333:role/Admin");
    assert.equal(parseGrantPrincipal("arn:aws:sts::111122223333:federated-user/bob")?.kind, "federated-user");
  });

  test("refuses everything else", () => {
    for (const s of ["", "111122223333", "alice", "arn:aws:iam::1111:root", "arn:aws:s3:::bucket", "arn:aws:iam::111122223333:group/devs", "arn:aws:iam::111122223333:user/", "arn:aws:sts::111122223333:assumed-role/Admin"]) {
      assert.equal(parseGrantPrincipal(s), undefined, s);
    }
  });
});
