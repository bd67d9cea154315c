import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CallOutcome } from "../api/dispatcher.js";
import { SecretBytes } from "../crypto/secret-bytes.js";
import type { OperationName } from "../generated/kms-types.js";
import type { Caller } from "../policy/authorizer.js";
import { cloudTrailRecord, serviceEvent, type AuditCall, type CloudTrailEvent } from "./cloudtrail-record.js";
import { canonicalJson } from "./hash-chain.js";
import { REQUEST_ALLOWLIST, cloudTrailDate } from "./request-parameters.js";

const ACCOUNT = "111122223333";
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_ARN = `arn:aws:kms:us-west-2:${ACCOUNT}:key/${KEY_ID}`;
const OTHER_ID = "0987dcba-09fe-87dc-65ba-ab0987654321";
const OTHER_ARN = `arn:aws:kms:us-west-2:${ACCOUNT}:key/${OTHER_ID}`;
const T0 = Date.UTC(2025, 4, 20, 20, 46, 16, 789);

const alice: Caller = {
  accountId: ACCOUNT,
  region: "us-west-2",
  principalArn: `arn:aws:iam::${ACCOUNT}:user/Alice`,
  principalId: "AIDAEXAMPLE",
  principalType: "IAMUser",
  accessKeyId: "AKIAEXAMPLE",
  sourceIp: "::ffff:192.0.2.10",
  userAgent: "aws-cli/2.15",
  secureTransport: true,
};

function call(operation: string | undefined, input: unknown, output: unknown, more: Partial<AuditCall> = {}): AuditCall {
  return {
    requestId: "req-1",
    operation,
    caller: alice,
    errorCode: undefined,
    errorMessage: undefined,
    input,
    output,
    startedAt: T0,
    ...more,
  };
}

const opts = { eventId: () => "evt-1" };

/** Marker bytes standing for plaintext, ciphertext and data keys. */
const MARKER = Buffer.from("TRENT-SECRET-MARKER-0123456789", "utf8");
const CIPHER = Buffer.from("TRENT-CIPHERTEXT-MARKER-abcdef", "utf8");

function assertNoSecret(record: CloudTrailEvent): void {
  for (const text of [JSON.stringify(record), canonicalJson(record)]) {
    for (const m of [MARKER, CIPHER]) {
      assert.ok(!text.includes(m.toString("utf8")), "marker text in record");
      assert.ok(!text.includes(m.toString("base64")), "marker base64 in record");
      assert.ok(!text.includes(m.toString("base64url")), "marker base64url in record");
      assert.ok(!text.includes(m.toString("hex")), "marker hex in record");
    }
    assert.ok(!text.includes("[SecretBytes]"), "a SecretBytes holder was serialised");
  }
}

describe("cloudTrailRecord", () => {
  test("an Encrypt record has CloudTrail's shape: identity, key id, context, algorithm, resources, no response", () => {
    const r = cloudTrailRecord(
      call(
        "Encrypt",
        {
          KeyId: KEY_ARN,
          Plaintext: SecretBytes.copyOf(MARKER),
          EncryptionContext: { Department: "Engineering" },
          EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
          GrantTokens: ["gt-1"],
        },
        { CiphertextBlob: new Uint8Array(CIPHER), KeyId: KEY_ARN, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" },
      ),
      opts,
    );
    assert.deepEqual(r, {
      eventVersion: "1.11",
      userIdentity: {
        type: "IAMUser",
        principalId: "AIDAEXAMPLE",
        arn: `arn:aws:iam::${ACCOUNT}:user/Alice`,
        accountId: ACCOUNT,
        accessKeyId: "AKIAEXAMPLE",
        userName: "Alice",
      },
      eventTime: "2025-05-20T20:46:16Z",
      eventSource: "kms.amazonaws.com",
      eventName: "Encrypt",
      awsRegion: "us-west-2",
      sourceIPAddress: "192.0.2.10",
      userAgent: "aws-cli/2.15",
      requestParameters: {
        keyId: KEY_ARN,
        encryptionContext: { Department: "Engineering" },
        grantTokens: ["gt-1"],
        encryptionAlgorithm: "SYMMETRIC_DEFAULT",
      },
      responseElements: null,
      requestID: "req-1",
      eventID: "evt-1",
      readOnly: true,
      resources: [{ accountId: ACCOUNT, type: "AWS::KMS::Key", ARN: KEY_ARN }],
      eventType: "AwsApiCall",
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: "Management",
    });
    assertNoSecret(r);
  });

  test("a Decrypt record always names the algorithm and the key the response named, and the key material used", () => {
    const r = cloudTrailRecord(
      call(
        "Decrypt",
        { CiphertextBlob: new Uint8Array(CIPHER), EncryptionContext: { Project: "Alpha" } },
        { KeyId: KEY_ARN, Plaintext: SecretBytes.copyOf(MARKER), EncryptionAlgorithm: "SYMMETRIC_DEFAULT", KeyMaterialId: "m-1" },
      ),
      opts,
    );
    assert.deepEqual(r.requestParameters, {
      encryptionContext: { Project: "Alpha" },
      encryptionAlgorithm: "SYMMETRIC_DEFAULT",
      keyId: KEY_ARN,
    });
    assert.equal(r.responseElements, null);
    assert.deepEqual(r.additionalEventData, { keyMaterialId: "m-1" });
    assert.deepEqual(r.resources, [{ accountId: ACCOUNT, type: "AWS::KMS::Key", ARN: KEY_ARN }]);
    assert.equal(r.readOnly, true);
    assertNoSecret(r);
  });

  test("a failed Decrypt records the error code and message, no response and no key material", () => {
    const r = cloudTrailRecord(
      call("Decrypt", { CiphertextBlob: new Uint8Array(CIPHER) }, undefined, {
        errorCode: "InvalidCiphertextException",
        errorMessage: "The ciphertext is invalid.",
      }),
      opts,
    );
    assert.equal(r.errorCode, "InvalidCiphertextException");
    assert.equal(r.errorMessage, "The ciphertext is invalid.");
    assert.deepEqual(r.requestParameters, { encryptionAlgorithm: "SYMMETRIC_DEFAULT" });
    assert.equal(r.responseElements, null);
    assert.equal(r.additionalEventData, undefined);
    assert.equal(r.resources, undefined);
    assertNoSecret(r);
  });

  test("a GenerateDataKey record logs key, spec, length and context but never the data key or its ciphertext", () => {
    const r = cloudTrailRecord(
      call(
        "GenerateDataKey",
        { KeyId: "alias/app", KeySpec: "AES_256", EncryptionContext: { Department: "Engineering", Project: "Alpha" } },
        { CiphertextBlob: new Uint8Array(CIPHER), Plaintext: SecretBytes.copyOf(MARKER), KeyId: KEY_ARN, KeyMaterialId: "m-2" },
      ),
      opts,
    );
    assert.deepEqual(r.requestParameters, {
      keyId: "alias/app",
      keySpec: "AES_256",
      encryptionContext: { Department: "Engineering", Project: "Alpha" },
    });
    assert.equal(r.responseElements, null);
    assert.deepEqual(r.resources, [{ accountId: ACCOUNT, type: "AWS::KMS::Key", ARN: KEY_ARN }]);
    assert.deepEqual(r.additionalEventData, { keyMaterialId: "m-2" });
    assertNoSecret(r);
  });

  test("a CreateKey record logs the request (policy and tags included) and the new key's metadata", () => {
    const created = new Date(Date.UTC(2022, 7, 10, 22, 38, 27));
    const r = cloudTrailRecord(
      call(
        "CreateKey",
        {
          Description: "",
          KeyUsage: "ENCRYPT_DECRYPT",
          KeySpec: "SYMMETRIC_DEFAULT",
          Origin: "AWS_KMS",
          BypassPolicyLockoutSafetyCheck: false,
          Policy: '{"Version":"2012-10-17"}',
          Tags: [{ TagKey: "team", TagValue: "payments" }],
        },
        {
          KeyMetadata: {
            AWSAccountId: ACCOUNT,
            KeyId: KEY_ID,
            Arn: KEY_ARN,
            CreationDate: created,
            Enabled: true,
            Description: "",
            KeyUsage: "ENCRYPT_DECRYPT",
            KeyState: "Enabled",
            Origin: "AWS_KMS",
            KeyManager: "CUSTOMER",
            CustomerMasterKeySpec: "SYMMETRIC_DEFAULT",
            KeySpec: "SYMMETRIC_DEFAULT",
            EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
            MultiRegion: false,
          },
        },
      ),
      opts,
    );
    assert.deepEqual(r.requestParameters, {
      policy: '{"Version":"2012-10-17"}',
      description: "",
      keyUsage: "ENCRYPT_DECRYPT",
      keySpec: "SYMMETRIC_DEFAULT",
      origin: "AWS_KMS",
      bypassPolicyLockoutSafetyCheck: false,
      tags: [{ tagKey: "team", tagValue: "payments" }],
    });
    assert.deepEqual(r.responseElements, {
      keyMetadata: {
        AWSAccountId: ACCOUNT,
        keyId: KEY_ID,
        arn: KEY_ARN,
        creationDate: "Aug 10, 2022, 10:38:27 PM",
        enabled: true,
        description: "",
        keyUsage: "ENCRYPT_DECRYPT",
        keyState: "Enabled",
        origin: "AWS_KMS",
        keyManager: "CUSTOMER",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        keySpec: "SYMMETRIC_DEFAULT",
        encryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
        multiRegion: false,
      },
    });
    assert.equal(r.readOnly, false);
    assert.deepEqual(r.resources, [{ accountId: ACCOUNT, type: "AWS::KMS::Key", ARN: KEY_ARN }]);
  });

  test("a denied call records AccessDeniedException, its request, and the key named by id", () => {
    const r = cloudTrailRecord(
      call("Encrypt", { KeyId: KEY_ID, Plaintext: SecretBytes.copyOf(MARKER) }, undefined, {
        errorCode: "AccessDeniedException",
        errorMessage: `User: arn:aws:iam::${ACCOUNT}:user/Alice is not authorized to perform: kms:Encrypt on resource: ${KEY_ARN}`,
      }),
      opts,
    );
    assert.equal(r.errorCode, "AccessDeniedException");
    assert.match(r.errorMessage ?? "", /is not authorized to perform: kms:Encrypt/);
    assert.deepEqual(r.requestParameters, { keyId: KEY_ID });
    assert.equal(r.responseElements, null);
    assert.deepEqual(r.resources, [{ accountId: ACCOUNT, type: "AWS::KMS::Key", ARN: KEY_ARN }]);
    assertNoSecret(r);
  });

  test("an unauthenticated call records what is known: address, agent, access key id, error, region", () => {
    const r = cloudTrailRecord(
      {
        requestId: "req-9",
        operation: undefined,
        caller: undefined,
        errorCode: "UnrecognizedClientException",
        errorMessage: "The security token included in the request is invalid.",
        input: undefined,
        output: undefined,
        startedAt: T0,
        accessKeyId: "AKIAUNKNOWN",
        sourceIp: "198.51.100.7",
        userAgent: "curl/8",
        region: "eu-west-1",
      },
      opts,
    );
    assert.deepEqual(r.userIdentity, { type: "Unknown", accessKeyId: "AKIAUNKNOWN" });
    assert.equal(r.eventName, "Unknown");
    assert.equal(r.sourceIPAddress, "198.51.100.7");
    assert.equal(r.userAgent, "curl/8");
    assert.equal(r.awsRegion, "eu-west-1");
    assert.equal(r.errorCode, "UnrecognizedClientException");
    assert.equal(r.requestParameters, null);
    assert.equal(r.readOnly, false);
    assert.equal(r.recipientAccountId, undefined);
    assert.equal(r.requestID, "req-9");
  });

  test("a record of a dispatcher CallOutcome can be built (CallOutcome is assignable to AuditCall)", () => {
    const outcome: CallOutcome = {
      requestId: "req-2",
      operation: "ListKeys",
      caller: alice,
      errorCode: undefined,
      errorMessage: undefined,
      input: { Limit: 10 },
      output: { Keys: [] },
      startedAt: T0,
      sourceIp: "127.0.0.1",
      userAgent: "test",
    };
    const r = cloudTrailRecord(outcome, opts);
    assert.deepEqual(r.requestParameters, { limit: 10 });
    assert.equal(r.readOnly, true);
  });

  test("management calls carry the affected key's ARN in responseElements.keyId", () => {
    const r = cloudTrailRecord(call("DisableKey", { KeyId: KEY_ID }, {}), opts);
    assert.deepEqual(r.responseElements, { keyId: KEY_ARN });
    assert.equal(r.readOnly, false);
    const failed = cloudTrailRecord(call("DisableKey", { KeyId: KEY_ID }, undefined, { errorCode: "NotFoundException" }), opts);
    assert.equal(failed.responseElements, null);
  });

  test("ScheduleKeyDeletion records the window asked for and the key state and deletion date returned", () => {
    const r = cloudTrailRecord(
      call(
        "ScheduleKeyDeletion",
        { KeyId: KEY_ID, PendingWindowInDays: 20 },
        { KeyId: KEY_ARN, DeletionDate: new Date(Date.UTC(2021, 3, 12, 18, 58, 30)), KeyState: "PendingDeletion", PendingWindowInDays: 20 },
      ),
      opts,
    );
    assert.deepEqual(r.requestParameters, { keyId: KEY_ID, pendingWindowInDays: 20 });
    assert.deepEqual(r.responseElements, { keyId: KEY_ARN, keyState: "PendingDeletion", deletionDate: "Apr 12, 2021, 6:58:30 PM" });
  });

  test("a ReEncrypt record names the source key then the destination key as resources", () => {
    const r = cloudTrailRecord(
      call(
        "ReEncrypt",
        {
          CiphertextBlob: new Uint8Array(CIPHER),
          SourceEncryptionContext: { a: "1" },
          DestinationKeyId: OTHER_ID,
          DestinationEncryptionContext: { b: "2" },
        },
        {
          CiphertextBlob: new Uint8Array(CIPHER),
          SourceKeyId: KEY_ARN,
          KeyId: OTHER_ARN,
          SourceKeyMaterialId: "s",
          DestinationKeyMaterialId: "d",
        },
      ),
      opts,
    );
    assert.deepEqual(r.resources?.map((x) => x.ARN), [KEY_ARN, OTHER_ARN]);
    assert.deepEqual(r.requestParameters, {
      sourceEncryptionContext: { a: "1" },
      destinationKeyId: OTHER_ID,
      destinationEncryptionContext: { b: "2" },
    });
    assert.deepEqual(r.additionalEventData, { sourceKeyMaterialId: "s", destinationKeyMaterialId: "d" });
    assertNoSecret(r);
  });

  test("CreateGrant records the grant id but never the grant token", () => {
    const r = cloudTrailRecord(
      call("CreateGrant", { KeyId: KEY_ID, GranteePrincipal: "arn:aws:iam::1:role/x", Operations: ["Decrypt"] }, { GrantId: "g-1", GrantToken: "SECRET-GRANT-TOKEN" }),
      opts,
    );
    assert.deepEqual(r.responseElements, { grantId: "g-1", keyId: KEY_ARN });
    assert.ok(!JSON.stringify(r).includes("SECRET-GRANT-TOKEN"));
  });

  test("no operation's record ever contains a blob or secret given for any of its members", () => {
    // Every allowlisted member and every blob member is fed a marker as Uint8Array, Buffer and
    // SecretBytes; no rendering may carry it, whatever the operation.
    const blobs = [
      "Plaintext", "CiphertextBlob", "Message", "Mac", "Signature", "ImportToken", "EncryptedKeyMaterial", "PublicKey",
      "KeyStorePassword", "GrantToken", "Recipient", "SharedSecret", "PrivateKeyPlaintext", "CiphertextForRecipient",
    ];
    for (const op of Object.keys(REQUEST_ALLOWLIST) as OperationName[]) {
      const specs = REQUEST_ALLOWLIST[op] as readonly (string | readonly [string, string])[];
      const names = [...specs.map((s) => (typeof s === "string" ? s : s[0])), ...blobs];
      for (const make of [() => new Uint8Array(MARKER), () => Buffer.from(CIPHER), () => SecretBytes.copyOf(MARKER)]) {
        const input = Object.fromEntries(names.map((n) => [n, make()]));
        const output = Object.fromEntries([...blobs, "KeyId", "KeyMetadata"].map((n) => [n, make()]));
        assertNoSecret(cloudTrailRecord(call(op, input, output), opts));
        assertNoSecret(cloudTrailRecord(call(op, input, undefined, { errorCode: "AccessDeniedException" }), opts));
      }
    }
  });

  test("CloudTrail's timestamp rendering for request and response members is 12-hour UTC", () => {
    assert.equal(cloudTrailDate(Date.UTC(2025, 4, 21, 5, 47, 45)), "May 21, 2025, 5:47:45 AM");
    assert.equal(cloudTrailDate(Date.UTC(2025, 0, 1, 0, 0, 0)), "Jan 1, 2025, 12:00:00 AM");
    assert.equal(cloudTrailDate(Date.UTC(2025, 11, 31, 12, 5, 9)), "Dec 31, 2025, 12:05:09 PM");
  });
});

describe("serviceEvent", () => {
  test("a DeleteKey service event is an AwsServiceEvent invoked by the service, naming the deleted key", () => {
    const r = serviceEvent({ eventName: "DeleteKey", keyArn: KEY_ARN, accountId: ACCOUNT, region: "us-west-2", at: T0 }, opts);
    assert.deepEqual(r, {
      eventVersion: "1.11",
      userIdentity: { accountId: ACCOUNT, invokedBy: "AWS Internal" },
      eventTime: "2025-05-20T20:46:16Z",
      eventSource: "kms.amazonaws.com",
      eventName: "DeleteKey",
      awsRegion: "us-west-2",
      sourceIPAddress: "AWS Internal",
      userAgent: "AWS Internal",
      requestParameters: null,
      responseElements: { keyId: KEY_ARN },
      eventID: "evt-1",
      readOnly: false,
      resources: [{ accountId: ACCOUNT, type: "AWS::KMS::Key", ARN: KEY_ARN }],
      eventType: "AwsServiceEvent",
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: "Management",
    });
    assert.equal(r.requestID, undefined);
  });

  test("a RotateKey service event carries the rotation type and the key material ids in serviceEventDetails", () => {
    const r = serviceEvent(
      { eventName: "RotateKey", keyArn: KEY_ARN, accountId: ACCOUNT, region: "us-west-2", at: T0, previousKeyMaterialId: "p", currentKeyMaterialId: "c" },
      opts,
    );
    assert.deepEqual(r.serviceEventDetails, { rotationType: "AUTOMATIC", keyOrigin: "AWS_KMS", previousKeyMaterialId: "p", currentKeyMaterialId: "c" });
    assert.equal(r.responseElements, null);
    assert.equal(r.eventType, "AwsServiceEvent");
  });

  test("a DeleteExpiredKeyMaterial service event names the key id and the material deleted", () => {
    const r = serviceEvent(
      { eventName: "DeleteExpiredKeyMaterial", keyArn: KEY_ARN, accountId: ACCOUNT, region: "us-west-2", at: T0, keyMaterialId: "m" },
      opts,
    );
    assert.deepEqual(r.serviceEventDetails, { keyId: KEY_ID, keyMaterialId: "m" });
  });
});

describe("userIdentity of an assumed-role session", () => {
  test("is AssumedRole with the session ARN and the role as sessionContext.sessionIssuer, members sorted", () => {
    const session: Caller = {
      ...alice,
      principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/s1`,
      principalId: "AROAEXAMPLE:s1",
      principalType: "AssumedRole",
      accessKeyId: "ASIAEXAMPLE",
      session: { roleArn: `arn:aws:iam::${ACCOUNT}:role/Admin`, roleId: "AROAEXAMPLE", issuedAt: T0 },
    };
    const r = cloudTrailRecord(call("ListKeys", {}, {}, { caller: session }), opts);
    assert.deepEqual(r.userIdentity, {
      accessKeyId: "ASIAEXAMPLE",
      accountId: ACCOUNT,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/s1`,
      principalId: "AROAEXAMPLE:s1",
      sessionContext: {
        attributes: { creationDate: "2025-05-20T20:46:16Z", mfaAuthenticated: "false" },
        sessionIssuer: { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:role/Admin`, principalId: "AROAEXAMPLE", type: "Role", userName: "Admin" },
      },
      type: "AssumedRole",
    });
    assert.equal(JSON.stringify(r.userIdentity), canonicalJson(r.userIdentity));
  });
});
