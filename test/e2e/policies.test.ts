import {
  CreateKeyCommand,
  GetKeyPolicyCommand,
  ListKeyPoliciesCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEV_ACCOUNT, createKeyId, expectError, useTrent } from "../support/harness.js";

const h = useTrent();

async function policyOf(keyId: string): Promise<string> {
  const r = await h.kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }));
  return r.Policy ?? "";
}

const ROOT = `arn:aws:iam::${DEV_ACCOUNT}:root`;

/** A valid policy that keeps the account in control, laid out unusually so that reformatting shows. */
const CUSTOM_POLICY = `{"Version":"2012-10-17",  "Id": "custom-policy-1",
\t"Statement":[{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"${ROOT}"},"Action":"kms:*","Resource":"*"},
  {"Sid" : "Describe only", "Effect" : "Allow", "Principal" : {"AWS" : "${ROOT}"}, "Action" : ["kms:DescribeKey"], "Resource" : "*"}]}`;

describe("GetKeyPolicy", () => {
  test("a key created without a policy has AWS's default key policy", async () => {
    const keyId = await createKeyId(h.kms);
    const r = await h.kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }));
    assert.equal(r.PolicyName, "default");
    const doc = JSON.parse(r.Policy ?? "") as Record<string, unknown>;
    assert.deepEqual(doc, {
      Version: "2012-10-17",
      Id: "key-default-1",
      Statement: [
        {
          Sid: "Enable IAM User Permissions",
          Effect: "Allow",
          Principal: { AWS: ROOT },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    });
  });

  test("PolicyName may be left out: it defaults to default", async () => {
    const keyId = await createKeyId(h.kms);
    const r = await h.kms.send(new GetKeyPolicyCommand({ KeyId: keyId }));
    assert.equal(r.Policy, await policyOf(keyId));
    assert.equal(r.PolicyName, "default");
  });

  test("a policy name other than default is NotFoundException", async () => {
    const keyId = await createKeyId(h.kms);
    const err = await expectError(h.kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "custom" })), "NotFoundException");
    assert.equal(err.$metadata?.httpStatusCode, 400);
  });

  test("a policy name outside the model's pattern is a ValidationException", async () => {
    // The model's pattern [\w]+ is not anchored (Smithy patterns never are): it fails only for a
    // name without any word character.
    const keyId = await createKeyId(h.kms);
    const err = await expectError(h.kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "!!!" })), "ValidationException");
    assert.match(err.message, /at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern/);
  });

  test("an unknown key is NotFoundException; a key pending deletion still answers", async () => {
    await expectError(
      h.kms.send(new GetKeyPolicyCommand({ KeyId: "00000000-0000-4000-8000-0000000000dd", PolicyName: "default" })),
      "NotFoundException",
    );
    const keyId = await createKeyId(h.kms);
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    assert.equal((JSON.parse(await policyOf(keyId)) as { Id?: string }).Id, "key-default-1");
  });
});

describe("PutKeyPolicy", () => {
  test("GetKeyPolicy then returns exactly the text that was put", async () => {
    const keyId = await createKeyId(h.kms);
    await h.kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: CUSTOM_POLICY }));
    assert.equal(await policyOf(keyId), CUSTOM_POLICY);
  });

  test("PolicyName may be left out, and a second put replaces the first", async () => {
    const keyId = await createKeyId(h.kms);
    await h.kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: CUSTOM_POLICY }));
    const second = CUSTOM_POLICY.replace("custom-policy-1", "custom-policy-2");
    await h.kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: second }));
    assert.equal(await policyOf(keyId), second);
  });

  test("accepts BypassPolicyLockoutSafetyCheck", async () => {
    const keyId = await createKeyId(h.kms);
    await h.kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: CUSTOM_POLICY, BypassPolicyLockoutSafetyCheck: true }));
    assert.equal(await policyOf(keyId), CUSTOM_POLICY);
  });

  test("CreateKey with Policy stores that exact text", async () => {
    const keyId = await createKeyId(h.kms, { Policy: CUSTOM_POLICY });
    assert.equal(await policyOf(keyId), CUSTOM_POLICY);
  });

  test("malformed JSON is MalformedPolicyDocumentException and the old policy stays", async () => {
    const keyId = await createKeyId(h.kms);
    const before = await policyOf(keyId);
    for (const bad of ['{"Version":"2012-10-17","Statement":[', "not json at all", "[]"]) {
      const err = await expectError(h.kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: bad })), "MalformedPolicyDocumentException");
      assert.equal(err.$metadata?.httpStatusCode, 400);
    }
    assert.equal(await policyOf(keyId), before);
  });

  test("JSON that is not a key policy (no Statement, no Effect) is MalformedPolicyDocumentException", async () => {
    const keyId = await createKeyId(h.kms);
    await expectError(h.kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: '{"Version":"2012-10-17"}' })), "MalformedPolicyDocumentException");
    await expectError(
      h.kms.send(
        new PutKeyPolicyCommand({
          KeyId: keyId,
          Policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Principal: { AWS: ROOT }, Action: "kms:*", Resource: "*" }] }),
        }),
      ),
      "MalformedPolicyDocumentException",
    );
  });

  test("CreateKey with a malformed policy is MalformedPolicyDocumentException", async () => {
    await expectError(h.kms.send(new CreateKeyCommand({ Policy: "{" })), "MalformedPolicyDocumentException");
  });

  test("a policy name other than default is NotFoundException and changes nothing", async () => {
    const keyId = await createKeyId(h.kms);
    const before = await policyOf(keyId);
    await expectError(h.kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "custom", Policy: CUSTOM_POLICY })), "NotFoundException");
    assert.equal(await policyOf(keyId), before);
  });

  test("an unknown key is NotFoundException", async () => {
    await expectError(
      h.kms.send(new PutKeyPolicyCommand({ KeyId: "00000000-0000-4000-8000-0000000000ee", Policy: CUSTOM_POLICY })),
      "NotFoundException",
    );
  });
});

describe("ListKeyPolicies", () => {
  test("lists the one policy name, default", async () => {
    const keyId = await createKeyId(h.kms);
    const r = await h.kms.send(new ListKeyPoliciesCommand({ KeyId: keyId }));
    assert.deepEqual(r.PolicyNames, ["default"]);
    assert.equal(r.Truncated, false);
    assert.equal(r.NextMarker, undefined);
  });

  test("an unknown key is NotFoundException", async () => {
    await expectError(h.kms.send(new ListKeyPoliciesCommand({ KeyId: "00000000-0000-4000-8000-0000000000ff" })), "NotFoundException");
  });
});
