import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { matchArn, parseArnPattern, parsePattern, resolveLiteral, resolveRegex, splitArn, unresolvedVariables } from "./pattern.js";

const vars: Record<string, string> = { "aws:username": "alice", "aws:userid": "AIDAEXAMPLE", weird: "a*b?" };
const lookup = (n: string): string | undefined => vars[n];
const like = (text: string): RegExp => {
  const re = resolveRegex(parsePattern(text, { wildcards: true, variables: true }), lookup);
  assert.ok(re);
  return re;
};

describe("wildcard patterns", () => {
  test("* matches any run of characters, including none and including colons and slashes", () => {
    assert.ok(like("alias/*").test("alias/"));
    assert.ok(like("alias/*").test("alias/a/b:c"));
    assert.ok(!like("alias/*").test("Alias/x"));
  });

  test("? matches exactly one character", () => {
    assert.ok(like("key-?").test("key-1"));
    assert.ok(!like("key-?").test("key-"));
    assert.ok(!like("key-?").test("key-12"));
  });

  test("regular-expression metacharacters in a pattern are literal", () => {
    assert.ok(like("a.b(c)[d]+").test("a.b(c)[d]+"));
    assert.ok(!like("a.b").test("axb"));
  });

  test("a wildcard matches across a newline in the value", () => {
    assert.ok(like("a*b").test("a\nb"));
  });

  test("without wildcards enabled, * and ? are literal", () => {
    const p = parsePattern("a*?", { wildcards: false, variables: false });
    assert.equal(resolveLiteral(p, lookup), "a*?");
    assert.ok(!p.hasWildcards);
  });
});

describe("policy variables", () => {
  test("${aws:username} is replaced by the caller's user name", () => {
    assert.ok(like("home/${aws:username}/*").test("home/alice/x"));
    assert.ok(!like("home/${aws:username}/*").test("home/bob/x"));
  });

  test("the value of a variable is literal text, not a wildcard", () => {
    assert.ok(like("${weird}").test("a*b?"));
    assert.ok(!like("${weird}").test("aXXbY"));
  });

  test("${*}, ${?} and ${$} stand for the literal characters", () => {
    const re = like("x${*}y${?}z${$}");
    assert.ok(re.test("x*y?z$"));
    assert.ok(!re.test("xAAyBz$"));
  });

  test("a variable with no value leaves the pattern unresolved", () => {
    const p = parsePattern("${aws:PrincipalTag/team}", { wildcards: true, variables: true });
    assert.equal(resolveRegex(p, lookup), undefined);
    assert.equal(resolveLiteral(p, lookup), undefined);
    assert.deepEqual(unresolvedVariables(p, lookup), ["aws:PrincipalTag/team"]);
  });

  test("a default value written ${name, 'default'} is used when the variable has no value", () => {
    const p = parsePattern("${aws:PrincipalTag/team, 'none'}", { wildcards: false, variables: true });
    assert.equal(resolveLiteral(p, lookup), "none");
    const q = parsePattern("${aws:username, 'anonymous'}", { wildcards: false, variables: true });
    assert.equal(resolveLiteral(q, lookup), "alice");
  });

  test("with variables disabled (Version 2008-10-17) ${...} is literal text", () => {
    const p = parsePattern("${aws:username}", { wildcards: false, variables: false });
    assert.equal(resolveLiteral(p, lookup), "${aws:username}");
  });

  test("an unterminated ${ is literal text", () => {
    const p = parsePattern("a${b", { wildcards: false, variables: true });
    assert.equal(resolveLiteral(p, lookup), "a${b");
  });
});

describe("ARN patterns", () => {
  test("an ARN splits into five colon fields and a resource that may contain colons", () => {
    assert.deepEqual(splitArn("arn:aws:kms:us-east-1:111122223333:key/x:y"), ["arn", "aws", "kms", "us-east-1", "111122223333", "key/x:y"]);
    assert.equal(splitArn("arn:aws:kms"), undefined);
  });

  test("a wildcard in one field does not span into the next (ArnLike)", () => {
    const p = parseArnPattern("arn:aws:someservice:*:111122223333:finance/*", { wildcards: true, variables: false, variablesInResourceOnly: false });
    assert.ok(p);
    assert.equal(matchArn(p, "arn:aws:someservice:us-east-2:111122223333:finance/doc", lookup, false), "match");
    assert.equal(matchArn(p, "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/doc", lookup, false), "nomatch");
  });

  test("ARN matching is case-sensitive unless the first five fields are compared case-insensitively", () => {
    const p = parseArnPattern("arn:aws:KMS:us-east-1:111122223333:key/Abc", { wildcards: true, variables: false, variablesInResourceOnly: true });
    assert.ok(p);
    assert.equal(matchArn(p, "arn:aws:kms:us-east-1:111122223333:key/Abc", lookup, false), "nomatch");
    assert.equal(matchArn(p, "arn:aws:kms:us-east-1:111122223333:key/Abc", lookup, true), "match");
    assert.equal(matchArn(p, "arn:aws:kms:us-east-1:111122223333:key/abc", lookup, true), "nomatch");
  });

  test("in a Resource element a variable is honoured only after the fifth colon", () => {
    const p = parseArnPattern("arn:aws:kms:${aws:username}:111122223333:key/${aws:username}", {
      wildcards: true,
      variables: true,
      variablesInResourceOnly: true,
    });
    assert.ok(p);
    assert.equal(matchArn(p, "arn:aws:kms:alice:111122223333:key/alice", lookup, true), "nomatch");
    const q = parseArnPattern("arn:aws:kms:*:111122223333:key/${aws:username}", { wildcards: true, variables: true, variablesInResourceOnly: true });
    assert.ok(q);
    assert.equal(matchArn(q, "arn:aws:kms:eu-west-1:111122223333:key/alice", lookup, true), "match");
  });

  test("a value that is not an ARN never matches", () => {
    const p = parseArnPattern("arn:aws:kms:*:*:*", { wildcards: true, variables: false, variablesInResourceOnly: false });
    assert.ok(p);
    assert.equal(matchArn(p, "not-an-arn", lookup, false), "nomatch");
  });
});
