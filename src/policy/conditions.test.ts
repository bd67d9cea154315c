import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KmsError } from "../domain/errors.js";
import { compileConditions, CONDITION_OPERATORS, evaluateCondition, evaluateConditions } from "./conditions.js";
import { KEY_ARN } from "./policy-test-fixtures.js";
import type { ContextValue, RequestContext } from "./request-context.js";

function ctxOf(values: Record<string, ContextValue>): RequestContext {
  return {
    action: "kms:Encrypt",
    resource: KEY_ARN,
    principal: { arn: "arn:aws:iam::111122223333:user/alice", principalArn: "arn:aws:iam::111122223333:user/alice", accountId: "111122223333", isRoot: false },
    values: new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v])),
  };
}

function check(block: Record<string, unknown>, values: Record<string, ContextValue>, opts: { variables?: boolean; kind?: "key" | "identity" } = {}): boolean {
  const cs = compileConditions(block, { variables: opts.variables ?? true, kind: opts.kind ?? "identity" });
  return evaluateConditions(cs, ctxOf(values)).ok;
}

function refuses(block: unknown, pattern: RegExp, kind: "key" | "identity" = "identity"): void {
  assert.throws(
    () => compileConditions(block, { variables: true, kind }),
    (e: unknown) => e instanceof KmsError && e.code === "MalformedPolicyDocumentException" && pattern.test(e.message),
  );
}

describe("string condition operators", () => {
  test("StringEquals matches exactly and is case-sensitive in the value", () => {
    assert.ok(check({ StringEquals: { "kms:CallerAccount": "111122223333" } }, { "kms:CallerAccount": "111122223333" }));
    assert.ok(!check({ StringEquals: { "aws:PrincipalTag/team": "Blue" } }, { "aws:PrincipalTag/team": "blue" }));
  });

  test("several values of one key are ORed", () => {
    const block = { StringEquals: { "kms:EncryptionContext:Stage": ["Restricted", "Production"] } };
    assert.ok(check(block, { "kms:EncryptionContext:Stage": "Production" }));
    assert.ok(!check(block, { "kms:EncryptionContext:Stage": "Test" }));
  });

  test("several keys of one operator, and several operators, are ANDed", () => {
    const block = {
      StringEquals: { "kms:EncryptionContext:Department": "IT", "kms:EncryptionContext:Project": "Alpha" },
      Bool: { "aws:SecureTransport": "true" },
    };
    const all = { "kms:EncryptionContext:Department": "IT", "kms:EncryptionContext:Project": "Alpha", "aws:SecureTransport": "true" };
    assert.ok(check(block, all));
    assert.ok(!check(block, { ...all, "kms:EncryptionContext:Project": "Beta" }));
    assert.ok(!check(block, { ...all, "aws:SecureTransport": "false" }));
  });

  test("condition key names are case-insensitive, including the encryption context key", () => {
    assert.ok(check({ StringEquals: { "KMS:EncryptionContext:appname": "ExampleApp" } }, { "kms:EncryptionContext:AppName": "ExampleApp" }));
    assert.ok(!check({ StringEquals: { "kms:EncryptionContext:AppName": "exampleapp" } }, { "kms:EncryptionContext:AppName": "ExampleApp" }));
  });

  test("a key absent from the request fails a positive operator", () => {
    assert.ok(!check({ StringEquals: { "kms:EncryptionContext:AppName": "x" } }, {}));
    assert.ok(!check({ StringLike: { "kms:RequestAlias": "alias/*" } }, {}));
  });

  test("StringNotEquals is true when the value matches none of the values (NOR), and when the key is absent", () => {
    const block = { StringNotEquals: { "kms:EncryptionAlgorithm": ["SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256"] } };
    assert.ok(check(block, { "kms:EncryptionAlgorithm": "RSAES_OAEP_SHA_1" }));
    assert.ok(!check(block, { "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT" }));
    assert.ok(check(block, {}));
  });

  test("StringEqualsIgnoreCase and StringNotEqualsIgnoreCase ignore case in the value", () => {
    assert.ok(check({ StringEqualsIgnoreCase: { "aws:username": "ALICE" } }, { "aws:username": "alice" }));
    assert.ok(!check({ StringNotEqualsIgnoreCase: { "aws:username": "ALICE" } }, { "aws:username": "alice" }));
    assert.ok(check({ StringNotEqualsIgnoreCase: { "aws:username": "bob" } }, { "aws:username": "alice" }));
  });

  test("StringLike honours * and ? and is case-sensitive; StringNotLike negates it", () => {
    assert.ok(check({ StringLike: { "kms:RequestAlias": "alias/*test*" } }, { "kms:RequestAlias": "alias/my-test-key" }));
    assert.ok(!check({ StringLike: { "kms:RequestAlias": "alias/*test*" } }, { "kms:RequestAlias": "alias/MY-TEST-KEY" }));
    assert.ok(check({ StringLike: { "kms:KeySpec": "RSA_????" } }, { "kms:KeySpec": "RSA_2048" }));
    assert.ok(!check({ StringNotLike: { "kms:KeySpec": "RSA_*" } }, { "kms:KeySpec": "RSA_2048" }));
    assert.ok(check({ StringNotLike: { "kms:KeySpec": "RSA_*" } }, { "kms:KeySpec": "ECC_NIST_P256" }));
  });

  test("StringEquals treats * as a literal character", () => {
    assert.ok(!check({ StringEquals: { "kms:RequestAlias": "alias/*" } }, { "kms:RequestAlias": "alias/x" }));
    assert.ok(check({ StringEquals: { "kms:RequestAlias": "alias/*" } }, { "kms:RequestAlias": "alias/*" }));
  });
});

describe("numeric condition operators", () => {
  const n = (op: string, policy: string | number, req: string): boolean => check({ [op]: { "kms:ValidTo": policy } }, { "kms:ValidTo": req });

  test("NumericEquals and NumericNotEquals compare numbers, not text", () => {
    assert.ok(n("NumericEquals", "1.0", "1"));
    assert.ok(n("NumericEquals", 10, "10"));
    assert.ok(!n("NumericNotEquals", "1.0", "1"));
    assert.ok(n("NumericNotEquals", "2", "1"));
  });

  test("NumericLessThan, LessThanEquals, GreaterThan and GreaterThanEquals order numbers", () => {
    assert.ok(n("NumericLessThan", "10", "9.5"));
    assert.ok(!n("NumericLessThan", "10", "10"));
    assert.ok(n("NumericLessThanEquals", "1546257599.0", "1546257599"));
    assert.ok(!n("NumericLessThanEquals", "1546257599.0", "1546257600"));
    assert.ok(n("NumericGreaterThan", "100", "101"));
    assert.ok(!n("NumericGreaterThan", "100", "100"));
    assert.ok(n("NumericGreaterThanEquals", "100", "100"));
    assert.ok(!n("NumericGreaterThanEquals", "100", "99"));
  });

  test("a request value that is not a number satisfies no numeric comparison", () => {
    assert.ok(!n("NumericLessThan", "10", "abc"));
  });

  test("a policy value that is not a number, or a policy variable, is refused", () => {
    refuses({ NumericLessThan: { "kms:ValidTo": "soon" } }, /not a number/);
    refuses({ NumericEquals: { "kms:ValidTo": "${aws:EpochTime}" } }, /not a number/);
  });
});

describe("date condition operators", () => {
  const now = { "aws:CurrentTime": "2019-07-16T13:30:00Z", "aws:EpochTime": "1563283800" };

  test("DateGreaterThan and DateLessThan bound aws:CurrentTime (ISO 8601)", () => {
    const window = { DateGreaterThan: { "aws:CurrentTime": "2019-07-16T12:00:00Z" }, DateLessThan: { "aws:CurrentTime": "2019-07-16T15:00:00Z" } };
    assert.ok(check(window, now));
    assert.ok(!check(window, { "aws:CurrentTime": "2019-07-16T16:00:00Z" }));
  });

  test("dates compare across formats: epoch policy values against ISO request values and vice versa", () => {
    assert.ok(check({ DateGreaterThanEquals: { "aws:CurrentTime": "1563283800" } }, now));
    assert.ok(check({ DateLessThanEquals: { "aws:EpochTime": "2019-07-16T13:30:00Z" } }, now));
    assert.ok(check({ DateEquals: { "aws:EpochTime": "2019-07-16T15:30:00+02:00" } }, now));
    assert.ok(!check({ DateNotEquals: { "aws:EpochTime": "2019-07-16T13:30:00Z" } }, now));
    assert.ok(check({ DateNotEquals: { "aws:EpochTime": "2019-07-16T13:30:01Z" } }, now));
  });

  test("DateLessThanEquals and DateGreaterThanEquals include the boundary; the strict forms do not", () => {
    assert.ok(check({ DateLessThanEquals: { "aws:CurrentTime": "2019-07-16T13:30:00Z" } }, now));
    assert.ok(!check({ DateLessThan: { "aws:CurrentTime": "2019-07-16T13:30:00Z" } }, now));
    assert.ok(check({ DateGreaterThanEquals: { "aws:CurrentTime": "2019-07-16T13:30:00Z" } }, now));
    assert.ok(!check({ DateGreaterThan: { "aws:CurrentTime": "2019-07-16T13:30:00Z" } }, now));
  });

  test("a key absent from the request fails a date comparison (aws:TokenIssueTime with access keys)", () => {
    assert.ok(!check({ DateGreaterThan: { "aws:TokenIssueTime": "2020-01-01T00:00:01Z" } }, now));
  });

  test("a date policy value that does not parse is refused", () => {
    refuses({ DateLessThan: { "aws:CurrentTime": "next tuesday" } }, /date/);
  });
});

describe("Bool, BinaryEquals, IpAddress and ARN operators", () => {
  test("Bool compares true/false, accepting JSON booleans and either case", () => {
    assert.ok(check({ Bool: { "aws:SecureTransport": "false" } }, { "aws:SecureTransport": "false" }));
    assert.ok(check({ Bool: { "kms:GrantIsForAWSResource": true } }, { "kms:GrantIsForAWSResource": "true" }));
    assert.ok(check({ Bool: { "aws:SecureTransport": "True" } }, { "aws:SecureTransport": "true" }));
    assert.ok(!check({ Bool: { "aws:SecureTransport": "true" } }, { "aws:SecureTransport": "false" }));
    assert.ok(!check({ Bool: { "kms:GrantIsForAWSResource": "true" } }, {}));
  });

  test("BinaryEquals compares the bytes of base64 values", () => {
    assert.ok(check({ BinaryEquals: { "x:blob": "QmluYXJ5VmFsdWVJbkJhc2U2NA==" } }, { "x:blob": Buffer.from("BinaryValueInBase64").toString("base64") }));
    assert.ok(!check({ BinaryEquals: { "x:blob": "QmluYXJ5VmFsdWVJbkJhc2U2NA==" } }, { "x:blob": "AAAA" }));
    refuses({ BinaryEquals: { "x:blob": "***" } }, /base64/);
  });

  test("IpAddress matches an IPv4 or IPv6 range; NotIpAddress matches outside it", () => {
    const ranges = ["192.0.2.0/24", "203.0.113.0/24", "2001:DB8:1234:5678::/64"];
    assert.ok(check({ IpAddress: { "aws:SourceIp": ranges } }, { "aws:SourceIp": "203.0.113.7" }));
    assert.ok(check({ IpAddress: { "aws:SourceIp": ranges } }, { "aws:SourceIp": "2001:db8:1234:5678::9" }));
    assert.ok(!check({ IpAddress: { "aws:SourceIp": ranges } }, { "aws:SourceIp": "198.51.100.1" }));
    assert.ok(check({ NotIpAddress: { "aws:SourceIp": ranges } }, { "aws:SourceIp": "198.51.100.1" }));
    assert.ok(!check({ NotIpAddress: { "aws:SourceIp": ranges } }, { "aws:SourceIp": "192.0.2.1" }));
  });

  test("IpAddress fails and NotIpAddress holds when aws:SourceIp is absent", () => {
    assert.ok(!check({ IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }, {}));
    assert.ok(check({ NotIpAddress: { "aws:SourceIp": "0.0.0.0/0" } }, {}));
  });

  test("an IP policy value that is not an address or CIDR block is refused", () => {
    refuses({ IpAddress: { "aws:SourceIp": "10.0.0.0/40" } }, /IP address/);
  });

  test("ArnEquals and ArnLike behave identically and match field by field", () => {
    for (const op of ["ArnEquals", "ArnLike"]) {
      assert.ok(check({ [op]: { "aws:PrincipalArn": "arn:aws:iam::*:role/Admin*" } }, { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/AdminRole" }), op);
      assert.ok(!check({ [op]: { "aws:PrincipalArn": "arn:aws:iam::*:role/Admin*" } }, { "aws:PrincipalArn": "arn:aws:iam::111122223333:user/AdminUser" }), op);
    }
  });

  test("ArnNotEquals and ArnNotLike are their negations", () => {
    for (const op of ["ArnNotEquals", "ArnNotLike"]) {
      assert.ok(!check({ [op]: { "aws:PrincipalArn": "arn:aws:iam::*:role/Admin*" } }, { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/AdminRole" }), op);
      assert.ok(check({ [op]: { "aws:PrincipalArn": "arn:aws:iam::*:role/Admin*" } }, { "aws:PrincipalArn": "arn:aws:iam::111122223333:user/x" }), op);
    }
  });

  test("an ARN wildcard does not match across fields, where StringLike would", () => {
    const value = { "aws:SourceArn": "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt" };
    assert.ok(check({ StringLike: { "aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*" } }, value));
    assert.ok(!check({ ArnLike: { "aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*" } }, value));
  });
});

describe("Null and ...IfExists", () => {
  test("Null true holds when the key is absent; Null false holds when it is present", () => {
    assert.ok(check({ Null: { "kms:EncryptionContextKeys": "true" } }, {}));
    assert.ok(!check({ Null: { "kms:EncryptionContextKeys": "true" } }, { "kms:EncryptionContextKeys": ["a"] }));
    assert.ok(check({ Null: { "kms:EncryptionContextKeys": false } }, { "kms:EncryptionContextKeys": ["a"] }));
    assert.ok(!check({ Null: { "kms:EncryptionContextKeys": false } }, {}));
  });

  test("an empty list in the request is an absent key", () => {
    assert.ok(check({ Null: { "kms:EncryptionContextKeys": "true" } }, { "kms:EncryptionContextKeys": [] }));
  });

  test("Null accepts only true or false, and cannot take IfExists or a set qualifier", () => {
    refuses({ Null: { "aws:TokenIssueTime": "maybe" } }, /true or false/);
    refuses({ NullIfExists: { "aws:TokenIssueTime": "true" } }, /Null/);
    refuses({ "ForAllValues:Null": { "aws:TagKeys": "true" } }, /Null/);
  });

  test("...IfExists holds when the key is absent and checks the value when it is present", () => {
    const block = { StringEqualsIfExists: { "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT" } };
    assert.ok(check(block, {}));
    assert.ok(check(block, { "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT" }));
    assert.ok(!check(block, { "kms:EncryptionAlgorithm": "RSAES_OAEP_SHA_256" }));
    assert.ok(check({ NumericLessThanIfExists: { "kms:ValidTo": "10" } }, {}));
    assert.ok(check({ IpAddressIfExists: { "aws:SourceIp": "10.0.0.0/8" } }, {}));
    assert.ok(check({ BoolIfExists: { "kms:GrantIsForAWSResource": "true" } }, {}));
  });

  test("a negated ...IfExists operator with the key present is still a negation", () => {
    assert.ok(!check({ StringNotEqualsIfExists: { "aws:ResourceTag/Type": "Reserved" } }, { "aws:ResourceTag/Type": "Reserved" }));
    assert.ok(check({ StringNotEqualsIfExists: { "aws:ResourceTag/Type": "Reserved" } }, {}));
  });

  test("IfExists may be added to every operator", () => {
    for (const op of CONDITION_OPERATORS.filter((o) => o !== "Null")) {
      const value = op.startsWith("Numeric") ? "1" : op.startsWith("Date") ? "2020-01-01" : op.startsWith("Binary") ? "AAAA" : op.includes("Ip") ? "10.0.0.0/8" : "x";
      assert.ok(check({ [`${op}IfExists`]: { "x:absent": value } }, {}), op);
    }
  });
});

describe("ForAllValues and ForAnyValue", () => {
  const keys = (...k: string[]): Record<string, ContextValue> => ({ "kms:EncryptionContextKeys": k });

  test("ForAllValues holds when every request value matches a policy value", () => {
    const block = { "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["Department", "Project"] } };
    assert.ok(check(block, keys("Department")));
    assert.ok(check(block, keys("Department", "Project")));
    assert.ok(!check(block, keys("Department", "Stage")));
  });

  test("ForAllValues holds when the key is absent or empty (AWS documents this as overly permissive)", () => {
    const block = { "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["AppName"] } };
    assert.ok(check(block, {}));
    assert.ok(check(block, keys()));
    assert.ok(check(block, { "kms:EncryptionContextKeys": "" }));
  });

  test("ForAnyValue holds when at least one request value matches; other values are permitted", () => {
    const block = { "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": "AppName" } };
    assert.ok(check(block, keys("AppName", "Project")));
    assert.ok(!check(block, keys("Project")));
  });

  test("ForAnyValue fails when the key is absent or empty, IfExists notwithstanding", () => {
    assert.ok(!check({ "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": "AppName" } }, {}));
    assert.ok(!check({ "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": "AppName" } }, keys()));
    assert.ok(!check({ "ForAnyValue:StringEqualsIfExists": { "kms:EncryptionContextKeys": "AppName" } }, {}));
  });

  test("set qualifiers compare set values case-sensitively unless the operator ignores case", () => {
    assert.ok(!check({ "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": "appname" } }, keys("AppName")));
    assert.ok(check({ "ForAnyValue:StringEqualsIgnoreCase": { "kms:EncryptionContextKeys": "appname" } }, keys("AppName")));
  });

  test("ForAnyValue:StringNotEquals holds when some request value is outside the policy values", () => {
    const block = { "ForAnyValue:StringNotEquals": { "aws:TagKeys": ["DataClass", "Owner"] } };
    assert.ok(!check(block, { "aws:TagKeys": ["DataClass", "Owner"] }));
    assert.ok(check(block, { "aws:TagKeys": ["Dept", "DataClass"] }));
    assert.ok(!check(block, {}));
  });

  test("ForAllValues:StringNotEquals holds when no request value is among the policy values, or the key is absent", () => {
    const block = { "ForAllValues:StringNotEquals": { "aws:TagKeys": ["DataClass", "Owner"] } };
    assert.ok(check(block, { "aws:TagKeys": ["Dept", "SIC"] }));
    assert.ok(!check(block, { "aws:TagKeys": ["Dept", "SIC", "DataClass"] }));
    assert.ok(check(block, {}));
  });

  test("ForAllValues:StringLike limits tag keys to prefixes; ForAllValues:StringNotLike forbids them", () => {
    assert.ok(check({ "ForAllValues:StringLike": { "aws:TagKeys": ["key1*", "key2*"] } }, { "aws:TagKeys": ["key1a", "key2b"] }));
    assert.ok(!check({ "ForAllValues:StringLike": { "aws:TagKeys": ["key1*", "key2*"] } }, { "aws:TagKeys": ["key1a", "other"] }));
    assert.ok(check({ "ForAllValues:StringNotLike": { "aws:TagKeys": "key1*" } }, { "aws:TagKeys": ["a", "b"] }));
    assert.ok(!check({ "ForAllValues:StringNotLike": { "aws:TagKeys": "key1*" } }, { "aws:TagKeys": ["a", "key1x"] }));
  });

  test("a single request value is a one-element set for a set qualifier", () => {
    const block = { "ForAllValues:StringEquals": { "aws:PrincipalOrgId": ["o-abcdefg", "o-zyxwvu"] } };
    assert.ok(check(block, { "aws:PrincipalOrgId": "o-abcdefg" }));
    assert.ok(!check(block, { "aws:PrincipalOrgId": "o-zzzzzz" }));
  });

  test("an operator without a set qualifier does not match a key that holds several values", () => {
    assert.ok(!check({ StringEquals: { "aws:TagKeys": "a" } }, { "aws:TagKeys": ["a", "b"] }));
    assert.ok(!check({ StringNotEquals: { "aws:TagKeys": "c" } }, { "aws:TagKeys": ["a", "b"] }));
    assert.ok(check({ StringEquals: { "aws:TagKeys": "a" } }, { "aws:TagKeys": ["a"] }));
  });

  test("kms:ResourceAliases: ForAllValues alone admits a key without aliases; adding ForAnyValue requires one", () => {
    const both = {
      "ForAllValues:StringLike": { "kms:ResourceAliases": ["alias/*Test*"] },
      "ForAnyValue:StringLike": { "kms:ResourceAliases": ["alias/*Test*"] },
    };
    assert.ok(check({ "ForAllValues:StringLike": { "kms:ResourceAliases": ["alias/*Test*"] } }, {}));
    assert.ok(!check(both, {}));
    assert.ok(check(both, { "kms:ResourceAliases": ["alias/MyTest"] }));
    assert.ok(!check(both, { "kms:ResourceAliases": ["alias/MyTest", "alias/prod"] }));
  });

  test("kms:EncryptionContext pair plus ForAllValues keys: requires the pair and forbids other pairs", () => {
    const block = {
      StringEquals: { "kms:EncryptionContext:AppName": "ExampleApp" },
      "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["AppName"] },
    };
    assert.ok(check(block, { "kms:EncryptionContext:AppName": "ExampleApp", "kms:EncryptionContextKeys": ["AppName"] }));
    assert.ok(!check(block, { "kms:EncryptionContext:AppName": "ExampleApp", "kms:EncryptionContext:Stage": "x", "kms:EncryptionContextKeys": ["AppName", "Stage"] }));
    assert.ok(!check(block, {}));
  });

  test("an unknown set qualifier is refused", () => {
    refuses({ "ForSomeValues:StringEquals": { "aws:TagKeys": "a" } }, /invalid condition operator/);
  });
});

describe("policy variables in conditions", () => {
  const alice = { "aws:username": "alice", "kms:EncryptionContext:user": "alice" };

  test("a variable in a string condition value is replaced by the request's value", () => {
    assert.ok(check({ StringEquals: { "kms:EncryptionContext:user": "${aws:username}" } }, alice));
    assert.ok(!check({ StringEquals: { "kms:EncryptionContext:user": "${aws:username}" } }, { ...alice, "aws:username": "bob" }));
  });

  test("a variable works in StringLike and ArnLike values", () => {
    assert.ok(check({ StringLike: { "kms:RequestAlias": "alias/${aws:username}-*" } }, { ...alice, "kms:RequestAlias": "alias/alice-app" }));
    assert.ok(
      check(
        { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:user/*" } },
        { "aws:PrincipalAccount": "111122223333", "aws:PrincipalArn": "arn:aws:iam::111122223333:user/alice" },
      ),
    );
  });

  test("a variable that cannot be resolved makes the condition false, even for a negated operator", () => {
    assert.ok(!check({ StringEquals: { "kms:EncryptionContext:user": "${aws:PrincipalTag/team}" } }, alice));
    assert.ok(!check({ StringNotEquals: { "kms:EncryptionContext:user": "${aws:PrincipalTag/team}" } }, alice));
  });

  test("a multivalued key cannot be a variable", () => {
    assert.ok(!check({ StringEquals: { "kms:EncryptionContext:user": "${aws:TagKeys}" } }, { ...alice, "aws:TagKeys": ["alice"] }));
  });

  test("in a 2008-10-17 document a variable is literal text", () => {
    assert.ok(!check({ StringEquals: { "kms:EncryptionContext:user": "${aws:username}" } }, alice, { variables: false }));
    assert.ok(check({ StringEquals: { "kms:EncryptionContext:user": "${aws:username}" } }, { "kms:EncryptionContext:user": "${aws:username}" }, { variables: false }));
  });

  test("${*} in a StringLike value matches a literal asterisk", () => {
    assert.ok(check({ StringLike: { "kms:RequestAlias": "alias/${*}" } }, { "kms:RequestAlias": "alias/*" }));
    assert.ok(!check({ StringLike: { "kms:RequestAlias": "alias/${*}" } }, { "kms:RequestAlias": "alias/x" }));
  });
});

describe("condition grammar", () => {
  test("an unknown operator is refused", () => {
    refuses({ StringEqualz: { "aws:username": "x" } }, /invalid condition operator: StringEqualz/);
  });

  test("operator names are recognised in any letter case", () => {
    assert.ok(check({ stringequals: { "aws:username": "x" } }, { "aws:username": "x" }));
  });

  test("values must be strings, numbers, booleans or a non-empty list of them", () => {
    refuses({ StringEquals: { "aws:username": { a: 1 } } }, /needs a string/);
    refuses({ StringEquals: { "aws:username": [] } }, /needs a string/);
    refuses({ StringEquals: { "aws:username": null } }, /needs a string/);
    refuses({ StringEquals: "x" }, /must map condition keys/);
    refuses(["x"], /JSON object/);
  });

  test("a key policy refuses ForAllValues with kms:EncryptionContext:<key> (OverlyPermissiveCondition)", () => {
    refuses({ "ForAllValues:StringEquals": { "kms:EncryptionContext:Department": "IT" } }, /^OverlyPermissiveCondition:EncryptionContext: Using the ForAllValues set operator/, "key");
    refuses({ "ForAllValues:StringEquals": { "aws:RequestTag/Project": "Alpha" } }, /^OverlyPermissiveCondition:RequestTag/, "key");
    assert.doesNotThrow(() => compileConditions({ "ForAnyValue:StringEquals": { "kms:EncryptionContext:Department": "IT" } }, { variables: true, kind: "key" }));
  });

  test("the outcome explains which key, operator and values decided it", () => {
    const [c] = compileConditions({ StringEquals: { "kms:EncryptionContext:app": ["a", "b"] } }, { variables: true, kind: "identity" });
    assert.ok(c);
    const o = evaluateCondition(c, ctxOf({ "kms:EncryptionContext:app": "z" }));
    assert.equal(o.ok, false);
    assert.equal(o.reason, 'StringEquals kms:EncryptionContext:app: request value "z" does not satisfy ["a", "b"]');
    const absent = evaluateCondition(c, ctxOf({}));
    assert.match(absent.reason, /key is absent from the request/);
  });
});
