import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  GetKeyPolicyCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
  UpdateKeyDescriptionCommand,
  type CreateKeyCommandInput,
  type KMSClient,
  type KeyMetadata,
  type KeySpec,
  type KeyUsageType,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KEY_SPECS, SUPPORTED_KEY_SPECS } from "../../src/domain/key-spec.js";
import { DEV_ACCOUNT, REGION, expectError, useTrent } from "../support/harness.js";
import { allPages, FIVE_IN_PAGES_OF_TWO } from "../support/paging.js";

const DAY = 86_400_000;
const h = useTrent();

async function createKey(input: CreateKeyCommandInput = {}, client: KMSClient = h.kms): Promise<KeyMetadata> {
  const md = (await client.send(new CreateKeyCommand(input))).KeyMetadata;
  assert.ok(md?.KeyId, "CreateKey returned KeyMetadata with a KeyId");
  return md;
}

async function metadataOf(keyId: string, client: KMSClient = h.kms): Promise<KeyMetadata> {
  const md = (await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  assert.ok(md);
  return md;
}

function arnOf(keyId: string, region = REGION): string {
  return `arn:aws:kms:${region}:${DEV_ACCOUNT}:key/${keyId}`;
}

/** Every KeyId that ListKeys returns for `client`'s region, following NextMarker. */
async function allKeyIds(client: KMSClient): Promise<string[]> {
  const { items } = await allPages("ListKeys", 100, (marker) => client.send(new ListKeysCommand({ Limit: 1000, ...marker })), (r) => r.Keys);
  return items.map((k) => k.KeyId ?? "");
}

const UNKNOWN_KEY = "00000000-0000-4000-8000-00000000abcd";

describe("CreateKey", () => {
  test("with no parameters creates an enabled symmetric encryption key with AWS's defaults", async () => {
    const before = Date.now();
    const md = await createKey();
    const keyId = md.KeyId ?? "";
    assert.match(keyId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(md.Arn, arnOf(keyId));
    assert.equal(md.AWSAccountId, DEV_ACCOUNT);
    assert.equal(md.Description, "");
    assert.equal(md.KeyUsage, "ENCRYPT_DECRYPT");
    assert.equal(md.KeySpec, "SYMMETRIC_DEFAULT");
    assert.equal(md.CustomerMasterKeySpec, "SYMMETRIC_DEFAULT");
    assert.deepEqual(md.EncryptionAlgorithms, ["SYMMETRIC_DEFAULT"]);
    assert.equal(md.Origin, "AWS_KMS");
    assert.equal(md.KeyManager, "CUSTOMER");
    assert.equal(md.KeyState, "Enabled");
    assert.equal(md.Enabled, true);
    assert.equal(md.MultiRegion, false);
    assert.ok(md.CreationDate instanceof Date);
    assert.ok(md.CreationDate.getTime() >= before - 2000 && md.CreationDate.getTime() <= Date.now() + 2000);
  });

  test("keeps the Description and accepts KeySpec or the deprecated CustomerMasterKeySpec", async () => {
    const a = await createKey({ Description: "payments key", KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT" });
    assert.equal(a.Description, "payments key");
    assert.equal(a.KeySpec, "SYMMETRIC_DEFAULT");
    const b = await createKey({ CustomerMasterKeySpec: "SYMMETRIC_DEFAULT" });
    assert.equal(b.KeySpec, "SYMMETRIC_DEFAULT");
    assert.equal(b.CustomerMasterKeySpec, "SYMMETRIC_DEFAULT");
    assert.equal((await metadataOf(a.KeyId ?? "")).Description, "payments key");
  });

  test("stores the Tags and the Policy it is given, and accepts BypassPolicyLockoutSafetyCheck", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Id: "custom",
      Statement: [
        { Sid: "root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${DEV_ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
      ],
    });
    const md = await createKey({
      Tags: [
        { TagKey: "team", TagValue: "payments" },
        { TagKey: "env", TagValue: "" },
      ],
      Policy: policy,
      BypassPolicyLockoutSafetyCheck: true,
    });
    const tags = await h.kms.send(new ListResourceTagsCommand({ KeyId: md.KeyId }));
    assert.deepEqual(
      [...(tags.Tags ?? [])].sort((x, y) => (x.TagKey ?? "").localeCompare(y.TagKey ?? "")),
      [
        { TagKey: "env", TagValue: "" },
        { TagKey: "team", TagValue: "payments" },
      ],
    );
    const got = await h.kms.send(new GetKeyPolicyCommand({ KeyId: md.KeyId, PolicyName: "default" }));
    assert.equal(got.Policy, policy);
  });

  test("a valid KeySpec and KeyUsage that Trent cannot create yet is UnsupportedOperationException and creates nothing", async () => {
    const unsupported = Object.entries(KEY_SPECS).filter(([spec]) => !SUPPORTED_KEY_SPECS.has(spec));
    const before = (await allKeyIds(h.kms)).length;
    for (const [spec, info] of unsupported) {
      for (const usage of info.usages) {
        const input = { KeySpec: spec as KeySpec, KeyUsage: usage as KeyUsageType };
        const err = await expectError(h.kms.send(new CreateKeyCommand(input)), "UnsupportedOperationException");
        assert.equal(err.$metadata?.httpStatusCode, 400, `${spec} ${usage}`);
      }
    }
    assert.equal((await allKeyIds(h.kms)).length, before);
  });

  test("a custom-key-store origin and MultiRegion keys are UnsupportedOperationException (Origin EXTERNAL: import.test.ts)", async () => {
    await expectError(h.kms.send(new CreateKeyCommand({ Origin: "AWS_CLOUDHSM" })), "UnsupportedOperationException");
    await expectError(h.kms.send(new CreateKeyCommand({ Origin: "EXTERNAL_KEY_STORE" })), "UnsupportedOperationException");
    await expectError(h.kms.send(new CreateKeyCommand({ MultiRegion: true })), "UnsupportedOperationException");
  });

  test("a KeyUsage the KeySpec does not allow is a ValidationException in AWS's words", async () => {
    const a = await expectError(
      h.kms.send(new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "ENCRYPT_DECRYPT" })),
      "ValidationException",
    );
    assert.equal(a.message, "KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec ECC_NIST_P256");
    const b = await expectError(
      h.kms.send(new CreateKeyCommand({ KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "SIGN_VERIFY" })),
      "ValidationException",
    );
    assert.equal(b.message, "KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT");
  });

  test("a KeySpec other than SYMMETRIC_DEFAULT without KeyUsage is a ValidationException", async () => {
    for (const KeySpec of ["HMAC_256", "RSA_2048", "ECC_NIST_P384"] as const) {
      const err = await expectError(h.kms.send(new CreateKeyCommand({ KeySpec })), "ValidationException");
      assert.equal(err.message, "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.");
    }
  });

  test("a KeySpec outside the model's enum is a ValidationException naming keySpec", async () => {
    const err = await expectError(
      h.kms.send(new CreateKeyCommand({ KeySpec: "HMAC_random" as "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" })),
      "ValidationException",
    );
    assert.match(
      err.message,
      /^1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: \[.*SYMMETRIC_DEFAULT.*\]$/,
    );
  });
});

describe("DescribeKey", () => {
  test("returns every KeyMetadata field AWS returns for a symmetric key, and nothing of other key types", async () => {
    const created = await createKey({ Description: "described" });
    const md = await metadataOf(created.KeyId ?? "");
    assert.equal(md.AWSAccountId, DEV_ACCOUNT);
    assert.equal(md.KeyId, created.KeyId);
    assert.equal(md.Arn, created.Arn);
    assert.equal(md.CreationDate?.getTime(), created.CreationDate?.getTime());
    assert.equal(md.Enabled, true);
    assert.equal(md.Description, "described");
    assert.equal(md.KeyUsage, "ENCRYPT_DECRYPT");
    assert.equal(md.KeyState, "Enabled");
    assert.equal(md.Origin, "AWS_KMS");
    assert.equal(md.KeyManager, "CUSTOMER");
    assert.equal(md.CustomerMasterKeySpec, "SYMMETRIC_DEFAULT");
    assert.equal(md.KeySpec, "SYMMETRIC_DEFAULT");
    assert.deepEqual(md.EncryptionAlgorithms, ["SYMMETRIC_DEFAULT"]);
    assert.equal(md.MultiRegion, false);
    for (const absent of [
      "DeletionDate",
      "PendingDeletionWindowInDays",
      "ValidTo",
      "ExpirationModel",
      "CustomKeyStoreId",
      "CloudHsmClusterId",
      "MultiRegionConfiguration",
      "SigningAlgorithms",
      "MacAlgorithms",
      "KeyAgreementAlgorithms",
      "XksKeyConfiguration",
    ] as const) {
      assert.equal(md[absent], undefined, `${absent} is absent for an enabled symmetric key`);
    }
  });

  test("adds DeletionDate and PendingDeletionWindowInDays while the key is pending deletion", async () => {
    const { KeyId } = await createKey();
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 9 }));
    const md = await metadataOf(KeyId ?? "");
    assert.equal(md.KeyState, "PendingDeletion");
    assert.equal(md.Enabled, false);
    assert.equal(md.PendingDeletionWindowInDays, 9);
    assert.ok(md.DeletionDate instanceof Date);
  });

  test("finds the key by key id, key ARN, alias name and alias ARN", async () => {
    const { KeyId, Arn } = await createKey();
    const alias = `alias/describe-${KeyId}`;
    await h.kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyId }));
    for (const id of [KeyId ?? "", Arn ?? "", alias, `arn:aws:kms:${REGION}:${DEV_ACCOUNT}:${alias}`]) {
      const md = await metadataOf(id);
      assert.equal(md.KeyId, KeyId, `DescribeKey(${id})`);
      assert.equal(md.Arn, Arn);
    }
  });

  test("an identifier that is not a key id, ARN or alias is NotFoundException 'Invalid keyId'", async () => {
    for (const bad of ["not-a-key", "134f2428cec14b25a1ae9048164dba47", "mrk-fake-key-id"]) {
      const err = await expectError(h.kms.send(new DescribeKeyCommand({ KeyId: bad })), "NotFoundException");
      assert.equal(err.message, `Invalid keyId '${bad}'`);
      assert.equal(err.$metadata?.httpStatusCode, 400);
    }
  });

  test("an unknown key id or key ARN is NotFoundException naming the key ARN", async () => {
    for (const id of [UNKNOWN_KEY, arnOf(UNKNOWN_KEY)]) {
      const err = await expectError(h.kms.send(new DescribeKeyCommand({ KeyId: id })), "NotFoundException");
      assert.equal(err.message, `Key '${arnOf(UNKNOWN_KEY)}' does not exist`);
    }
  });

  test("an unknown alias name or alias ARN is NotFoundException naming the alias ARN", async () => {
    const aliasArn = `arn:aws:kms:${REGION}:${DEV_ACCOUNT}:alias/no-such-alias`;
    for (const id of ["alias/no-such-alias", aliasArn]) {
      const err = await expectError(h.kms.send(new DescribeKeyCommand({ KeyId: id })), "NotFoundException");
      assert.equal(err.message, `Alias ${aliasArn} is not found.`);
    }
  });

  test("a key of another region is not found by key id, and its ARN is 'Invalid arn <region>'", async () => {
    const west = h.client({ region: "us-west-2" });
    const { KeyId, Arn } = await createKey({}, west);
    assert.equal(Arn, arnOf(KeyId ?? "", "us-west-2"));
    const byId = await expectError(h.kms.send(new DescribeKeyCommand({ KeyId })), "NotFoundException");
    assert.equal(byId.message, `Key '${arnOf(KeyId ?? "")}' does not exist`);
    const byArn = await expectError(h.kms.send(new DescribeKeyCommand({ KeyId: Arn })), "NotFoundException");
    assert.equal(byArn.message, "Invalid arn us-west-2");
    assert.equal((await metadataOf(Arn ?? "", west)).KeyId, KeyId);
  });

  test("a missing KeyId is a ValidationException", async () => {
    const err = await expectError(h.kms.send(new DescribeKeyCommand({} as { KeyId: string })), "ValidationException");
    assert.equal(
      err.message,
      "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
  });
});

describe("ListKeys", () => {
  test("pages with Limit and Marker across more keys than Limit, each key exactly once", async () => {
    const paris = h.client({ region: "eu-west-3" });
    const created = new Set<string>();
    for (let i = 0; i < 5; i++) created.add((await createKey({}, paris)).KeyId ?? "");
    const { items, shapes } = await allPages("ListKeys", 10, (marker) => paris.send(new ListKeysCommand({ Limit: 2, ...marker })), (r) => r.Keys);
    for (const k of items) assert.equal(k.KeyArn, arnOf(k.KeyId ?? "", "eu-west-3"));
    const seen = items.map((k) => k.KeyId ?? "");
    assert.deepEqual(shapes, FIVE_IN_PAGES_OF_TWO);
    assert.equal(seen.length, 5);
    assert.deepEqual(new Set(seen), created);
  });

  test("without Limit returns the keys of the region with Truncated false", async () => {
    const r = await h.client({ region: "eu-west-3" }).send(new ListKeysCommand({}));
    assert.equal(r.Truncated, false);
    assert.equal(r.NextMarker, undefined);
    assert.ok((r.Keys?.length ?? 0) >= 5);
  });

  test("a made-up Marker is InvalidMarkerException", async () => {
    await expectError(h.kms.send(new ListKeysCommand({ Marker: "not-a-marker-we-issued" })), "InvalidMarkerException");
    await expectError(h.kms.send(new ListKeysCommand({ Marker: "eyJmb28iOiJiYXIifQ" })), "InvalidMarkerException");
  });

  test("Limit outside 1..1000 is a ValidationException", async () => {
    const err = await expectError(h.kms.send(new ListKeysCommand({ Limit: 0 })), "ValidationException");
    assert.equal(
      err.message,
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    await expectError(h.kms.send(new ListKeysCommand({ Limit: 1001 })), "ValidationException");
  });

  test("keys are partitioned by region: a key created in us-west-2 is listed there and not in us-east-1", async () => {
    const west = h.client({ region: "us-west-2" });
    const { KeyId } = await createKey({}, west);
    assert.ok((await allKeyIds(west)).includes(KeyId ?? ""));
    assert.ok(!(await allKeyIds(h.kms)).includes(KeyId ?? ""));
  });
});

describe("EnableKey and DisableKey", () => {
  test("DisableKey disables and EnableKey enables, each idempotent", async () => {
    const { KeyId } = await createKey();
    await h.kms.send(new DisableKeyCommand({ KeyId }));
    await h.kms.send(new DisableKeyCommand({ KeyId }));
    let md = await metadataOf(KeyId ?? "");
    assert.equal(md.KeyState, "Disabled");
    assert.equal(md.Enabled, false);
    await h.kms.send(new EnableKeyCommand({ KeyId }));
    await h.kms.send(new EnableKeyCommand({ KeyId }));
    md = await metadataOf(KeyId ?? "");
    assert.equal(md.KeyState, "Enabled");
    assert.equal(md.Enabled, true);
  });

  test("accept the key ARN", async () => {
    const { KeyId, Arn } = await createKey();
    await h.kms.send(new DisableKeyCommand({ KeyId: Arn }));
    assert.equal((await metadataOf(KeyId ?? "")).KeyState, "Disabled");
    await h.kms.send(new EnableKeyCommand({ KeyId: Arn }));
    assert.equal((await metadataOf(KeyId ?? "")).KeyState, "Enabled");
  });

  test("reject an alias name or alias ARN with NotFoundException, as AWS does for key-id-only operations", async () => {
    const { KeyId } = await createKey();
    const alias = `alias/enable-${KeyId}`;
    await h.kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyId }));
    const aliasArn = `arn:aws:kms:${REGION}:${DEV_ACCOUNT}:${alias}`;
    for (const id of [alias, aliasArn]) {
      const d = await expectError(h.kms.send(new DisableKeyCommand({ KeyId: id })), "NotFoundException");
      assert.equal(d.message, `Invalid keyId '${id}'`);
      await expectError(h.kms.send(new EnableKeyCommand({ KeyId: id })), "NotFoundException");
    }
    assert.equal((await metadataOf(KeyId ?? "")).KeyState, "Enabled");
  });

  test("an unknown key is NotFoundException", async () => {
    await expectError(h.kms.send(new EnableKeyCommand({ KeyId: UNKNOWN_KEY })), "NotFoundException");
    await expectError(h.kms.send(new DisableKeyCommand({ KeyId: UNKNOWN_KEY })), "NotFoundException");
  });

  test("a key pending deletion can be neither enabled nor disabled", async () => {
    const { KeyId, Arn } = await createKey();
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    const e = await expectError(h.kms.send(new EnableKeyCommand({ KeyId })), "KMSInvalidStateException");
    assert.equal(e.message, `${Arn} is pending deletion.`);
    await expectError(h.kms.send(new DisableKeyCommand({ KeyId })), "KMSInvalidStateException");
  });
});

describe("ScheduleKeyDeletion", () => {
  test("defaults to 30 days and answers with the key ARN, DeletionDate, KeyState and PendingWindowInDays", async () => {
    const { KeyId, Arn } = await createKey();
    const before = Date.now();
    const r = await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId }));
    assert.equal(r.KeyId, Arn);
    assert.equal(r.KeyState, "PendingDeletion");
    assert.equal(r.PendingWindowInDays, 30);
    assert.ok(r.DeletionDate instanceof Date);
    // AWS may round the date up to a day boundary; Trent gives now + days.
    assert.ok(r.DeletionDate.getTime() >= before + 30 * DAY - 60_000, "not earlier than now + 30 days");
    assert.ok(r.DeletionDate.getTime() <= Date.now() + 31 * DAY, "not later than now + 31 days");
    const md = await metadataOf(KeyId ?? "");
    assert.equal(md.KeyState, "PendingDeletion");
    assert.equal(md.DeletionDate?.getTime(), r.DeletionDate.getTime());
    assert.equal(md.PendingDeletionWindowInDays, 30);
  });

  test("accepts 7 and 30 days and sets DeletionDate about that many days ahead", async () => {
    for (const days of [7, 30]) {
      const { KeyId } = await createKey();
      const before = Date.now();
      const r = await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: days }));
      assert.equal(r.PendingWindowInDays, days);
      const at = r.DeletionDate?.getTime() ?? 0;
      assert.ok(at >= before + days * DAY - 60_000 && at <= Date.now() + (days + 1) * DAY, `DeletionDate for ${days} days`);
    }
  });

  test("a window the model allows but KMS does not (1-6, 31-365 days) is AWS's ValidationException", async () => {
    for (const days of [1, 6, 31, 365]) {
      const { KeyId } = await createKey();
      const err = await expectError(
        h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: days })),
        "ValidationException",
      );
      assert.equal(err.message, "PendingWindowInDays must be between 7 and 30");
      assert.equal((await metadataOf(KeyId ?? "")).KeyState, "Enabled");
    }
  });

  test("a window outside the model's 1..365 range is the model's ValidationException", async () => {
    const { KeyId } = await createKey();
    const low = await expectError(h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 0 })), "ValidationException");
    assert.equal(
      low.message,
      "1 validation error detected: Value '0' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    const high = await expectError(h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 366 })), "ValidationException");
    assert.equal(
      high.message,
      "1 validation error detected: Value '366' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 365",
    );
  });

  test("scheduling a key already pending deletion is KMSInvalidStateException", async () => {
    const { KeyId, Arn } = await createKey();
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    const err = await expectError(h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 })), "KMSInvalidStateException");
    assert.equal(err.message, `${Arn} is pending deletion.`);
    assert.equal(err.$metadata?.httpStatusCode, 400);
  });

  test("a disabled key can be scheduled for deletion", async () => {
    const { KeyId } = await createKey();
    await h.kms.send(new DisableKeyCommand({ KeyId }));
    const r = await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    assert.equal(r.KeyState, "PendingDeletion");
  });

  test("an alias name is NotFoundException and an unknown key is NotFoundException", async () => {
    const { KeyId } = await createKey();
    const alias = `alias/schedule-${KeyId}`;
    await h.kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyId }));
    await expectError(h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: alias, PendingWindowInDays: 7 })), "NotFoundException");
    await expectError(h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: UNKNOWN_KEY, PendingWindowInDays: 7 })), "NotFoundException");
    assert.equal((await metadataOf(KeyId ?? "")).KeyState, "Enabled");
  });
});

describe("CancelKeyDeletion", () => {
  test("returns a pending-deletion key to Disabled, without DeletionDate, and answers with the key ARN", async () => {
    const { KeyId, Arn } = await createKey();
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    const r = await h.kms.send(new CancelKeyDeletionCommand({ KeyId }));
    assert.equal(r.KeyId, Arn);
    const md = await metadataOf(KeyId ?? "");
    assert.equal(md.KeyState, "Disabled");
    assert.equal(md.Enabled, false);
    assert.equal(md.DeletionDate, undefined);
    assert.equal(md.PendingDeletionWindowInDays, undefined);
    await h.kms.send(new EnableKeyCommand({ KeyId }));
    assert.equal((await metadataOf(KeyId ?? "")).KeyState, "Enabled");
  });

  test("on an Enabled or Disabled key is KMSInvalidStateException: the key is not pending deletion", async () => {
    const { KeyId, Arn } = await createKey();
    const enabled = await expectError(h.kms.send(new CancelKeyDeletionCommand({ KeyId })), "KMSInvalidStateException");
    assert.equal(enabled.message, `${Arn} is not pending deletion.`);
    await h.kms.send(new DisableKeyCommand({ KeyId }));
    await expectError(h.kms.send(new CancelKeyDeletionCommand({ KeyId })), "KMSInvalidStateException");
    assert.equal((await metadataOf(KeyId ?? "")).KeyState, "Disabled");
  });

  test("an unknown key is NotFoundException", async () => {
    await expectError(h.kms.send(new CancelKeyDeletionCommand({ KeyId: UNKNOWN_KEY })), "NotFoundException");
  });
});

describe("UpdateKeyDescription", () => {
  test("replaces the description, including with an empty one", async () => {
    const { KeyId, Arn } = await createKey({ Description: "old" });
    await h.kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: "new description" }));
    assert.equal((await metadataOf(KeyId ?? "")).Description, "new description");
    await h.kms.send(new UpdateKeyDescriptionCommand({ KeyId: Arn, Description: "" }));
    assert.equal((await metadataOf(KeyId ?? "")).Description, "");
  });

  test("works on a disabled key", async () => {
    const { KeyId } = await createKey();
    await h.kms.send(new DisableKeyCommand({ KeyId }));
    await h.kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: "disabled but described" }));
    assert.equal((await metadataOf(KeyId ?? "")).Description, "disabled but described");
  });

  test("on a key pending deletion is KMSInvalidStateException and leaves the description", async () => {
    const { KeyId, Arn } = await createKey({ Description: "kept" });
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    const err = await expectError(
      h.kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: "changed" })),
      "KMSInvalidStateException",
    );
    assert.equal(err.message, `${Arn} is pending deletion.`);
    assert.equal((await metadataOf(KeyId ?? "")).Description, "kept");
  });

  test("an unknown key is NotFoundException and a missing Description is a ValidationException", async () => {
    await expectError(h.kms.send(new UpdateKeyDescriptionCommand({ KeyId: UNKNOWN_KEY, Description: "x" })), "NotFoundException");
    const { KeyId } = await createKey();
    const err = await expectError(
      h.kms.send(new UpdateKeyDescriptionCommand({ KeyId } as { KeyId: string; Description: string })),
      "ValidationException",
    );
    assert.match(err.message, /Value null at 'description' failed to satisfy constraint: Member must not be null/);
  });
});
