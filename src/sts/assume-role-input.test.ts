import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseAssumeRole } from "./assume-role-input.js";
import { StsError } from "./sts-error.js";

const ROLE = "arn:aws:iam::111122223333:role/R";

function message(params: Record<string, string>): string {
  try {
    parseAssumeRole(new URLSearchParams(params));
  } catch (e) {
    assert.ok(e instanceof StsError);
    assert.equal(e.code, "ValidationError");
    assert.equal(e.status, 400);
    return e.message;
  }
  return "";
}

describe("parseAssumeRole", () => {
  test("defaults DurationSeconds to 3600 and accepts the bounds", () => {
    assert.deepEqual(parseAssumeRole(new URLSearchParams({ RoleArn: ROLE, RoleSessionName: "a=b,c.d@e-f+g_h" })), {
      roleArn: ROLE,
      roleSessionName: "a=b,c.d@e-f+g_h",
      durationSeconds: 3600,
    });
    assert.equal(parseAssumeRole(new URLSearchParams({ RoleArn: ROLE, RoleSessionName: "ab", DurationSeconds: "900" })).durationSeconds, 900);
    assert.equal(parseAssumeRole(new URLSearchParams({ RoleArn: ROLE, RoleSessionName: "ab", DurationSeconds: "43200" })).durationSeconds, 43200);
  });

  test("words refusals as STS validation errors", () => {
    assert.equal(message({ RoleSessionName: "ab" }), "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
    assert.equal(message({ RoleArn: ROLE }), "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
    assert.match(message({ RoleArn: "arn:short", RoleSessionName: "ab" }), /at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20/);
    assert.match(message({ RoleArn: ROLE, RoleSessionName: "a/b" }), /Member must satisfy regular expression pattern/);
    assert.match(message({ RoleArn: ROLE, RoleSessionName: "ab", DurationSeconds: "1e4" }), /not a valid integer/);
    assert.match(message({ RoleArn: ROLE, RoleSessionName: "ab", DurationSeconds: "43201" }), /less than or equal to 43200/);
    assert.equal(message({ RoleArn: ROLE, RoleSessionName: "ab", "Tags.member.1.Key": "k" }), "Trent does not support Tags in AssumeRole.");
    assert.equal(message({ RoleArn: ROLE, RoleSessionName: "ab", SerialNumber: "x" }), "Trent does not support SerialNumber in AssumeRole.");
  });
});
