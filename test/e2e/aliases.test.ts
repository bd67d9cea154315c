import {
  CreateAliasCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  EncryptCommand,
  ListAliasesCommand,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
  type AliasListEntry,
  type KMSClient,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEV_ACCOUNT, REGION, createKeyRef, expectError, useTrent } from "../support/harness.js";
import { allPages, FIVE_IN_PAGES_OF_TWO } from "../support/paging.js";

const h = useTrent();
let seq = 0;

/** A fresh alias name for each call, so tests do not collide on the shared server. */
function aliasName(label: string): string {
  seq++;
  return `alias/${label}-${seq}`;
}

function aliasArn(name: string, region = REGION): string {
  return `arn:aws:kms:${region}:${DEV_ACCOUNT}:${name}`;
}

/** Every alias ListAliases returns, following NextMarker. */
async function allAliases(client: KMSClient, keyId?: string): Promise<AliasListEntry[]> {
  const { items } = await allPages(
    "ListAliases",
    100,
    (marker) => client.send(new ListAliasesCommand({ Limit: 1000, ...(keyId === undefined ? {} : { KeyId: keyId }), ...marker })),
    (r) => r.Aliases,
  );
  return items;
}

async function targetOf(alias: string): Promise<string | undefined> {
  return (await h.kms.send(new DescribeKeyCommand({ KeyId: alias }))).KeyMetadata?.KeyId;
}

describe("CreateAlias", () => {
  test("names a key by key id or key ARN, and ListAliases shows it with AWS's fields", async () => {
    const key = await createKeyRef(h.kms);
    const byId = aliasName("by-id");
    const byArn = aliasName("by-arn");
    const before = Date.now();
    await h.kms.send(new CreateAliasCommand({ AliasName: byId, TargetKeyId: key.keyId }));
    await h.kms.send(new CreateAliasCommand({ AliasName: byArn, TargetKeyId: key.arn }));
    const listed = await allAliases(h.kms);
    for (const name of [byId, byArn]) {
      const entry = listed.find((a) => a.AliasName === name);
      assert.ok(entry, `${name} is listed`);
      assert.equal(entry.AliasArn, aliasArn(name));
      assert.equal(entry.TargetKeyId, key.keyId, "TargetKeyId is the key id, not the ARN");
      assert.ok(entry.CreationDate instanceof Date);
      assert.ok(entry.LastUpdatedDate instanceof Date);
      assert.ok(entry.CreationDate.getTime() >= before - 2000 && entry.CreationDate.getTime() <= Date.now() + 2000);
      assert.equal(entry.LastUpdatedDate.getTime(), entry.CreationDate.getTime());
      assert.equal(await targetOf(name), key.keyId);
    }
  });

  test("a name without the alias/ prefix is AWS's ValidationException", async () => {
    const key = await createKeyRef(h.kms);
    const err = await expectError(h.kms.send(new CreateAliasCommand({ AliasName: "no-prefix", TargetKeyId: key.keyId })), "ValidationException");
    assert.equal(
      err.message,
      'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
    );
    assert.equal(err.$metadata?.httpStatusCode, 400);
  });

  test("a name outside the model's pattern is a ValidationException quoting the pattern", async () => {
    const key = await createKeyRef(h.kms);
    const err = await expectError(
      h.kms.send(new CreateAliasCommand({ AliasName: "alias/has space", TargetKeyId: key.keyId })),
      "ValidationException",
    );
    assert.equal(
      err.message,
      "1 validation error detected: Value 'alias/has space' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
    );
  });

  test("the alias/aws/ prefix is reserved: the call is refused and no alias is created", async () => {
    // AWS reserves alias/aws/ for AWS managed keys. The error name AWS uses here is not documented
    // (moto and local-kms answer NotAuthorizedException); Trent answers InvalidAliasNameException.
    const key = await createKeyRef(h.kms);
    const name = "alias/aws/trent-test";
    let err: (Error & { $fault?: string; $metadata?: { httpStatusCode?: number } }) | undefined;
    try {
      await h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.keyId }));
    } catch (e) {
      err = e as typeof err;
    }
    assert.ok(err, "CreateAlias with alias/aws/ must fail");
    assert.equal(err.$fault, "client");
    assert.equal(err.$metadata?.httpStatusCode, 400);
    assert.ok(!(await allAliases(h.kms)).some((a) => a.AliasName === name));
  });

  test("an existing name is AlreadyExistsException naming the alias ARN", async () => {
    const a = await createKeyRef(h.kms);
    const b = await createKeyRef(h.kms);
    const name = aliasName("taken");
    await h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: a.keyId }));
    const err = await expectError(h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: b.keyId })), "AlreadyExistsException");
    assert.equal(err.message, `An alias with the name ${aliasArn(name)} already exists`);
    assert.equal(err.$metadata?.httpStatusCode, 400);
    assert.equal(await targetOf(name), a.keyId);
  });

  test("the same name may exist in another region", async () => {
    const west = h.client({ region: "us-west-2" });
    const east = await createKeyRef(h.kms);
    const westKey = await createKeyRef(west);
    const name = aliasName("both-regions");
    await h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: east.keyId }));
    await west.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: westKey.keyId }));
    assert.equal(await targetOf(name), east.keyId);
    assert.equal((await west.send(new DescribeKeyCommand({ KeyId: name }))).KeyMetadata?.KeyId, westKey.keyId);
    const westList = await allAliases(west);
    assert.equal(westList.find((a) => a.AliasName === name)?.AliasArn, aliasArn(name, "us-west-2"));
  });

  test("an alias name or alias ARN as the target is a ValidationException: aliases must refer to keys", async () => {
    const key = await createKeyRef(h.kms);
    const first = aliasName("first");
    await h.kms.send(new CreateAliasCommand({ AliasName: first, TargetKeyId: key.keyId }));
    for (const target of [first, aliasArn(first)]) {
      const err = await expectError(
        h.kms.send(new CreateAliasCommand({ AliasName: aliasName("second"), TargetKeyId: target })),
        "ValidationException",
      );
      assert.equal(err.message, "Aliases must refer to keys. Not aliases");
    }
  });

  test("a target pending deletion is KMSInvalidStateException", async () => {
    const key = await createKeyRef(h.kms);
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 7 }));
    const name = aliasName("doomed");
    const err = await expectError(h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.keyId })), "KMSInvalidStateException");
    assert.equal(err.message, `${key.arn} is pending deletion.`);
    assert.ok(!(await allAliases(h.kms)).some((a) => a.AliasName === name));
  });

  test("an unknown or malformed target is NotFoundException", async () => {
    const unknown = "00000000-0000-4000-8000-0000000000aa";
    const err = await expectError(
      h.kms.send(new CreateAliasCommand({ AliasName: aliasName("nowhere"), TargetKeyId: unknown })),
      "NotFoundException",
    );
    assert.equal(err.message, `Key 'arn:aws:kms:${REGION}:${DEV_ACCOUNT}:key/${unknown}' does not exist`);
    await expectError(h.kms.send(new CreateAliasCommand({ AliasName: aliasName("nowhere"), TargetKeyId: "nonsense" })), "NotFoundException");
  });
});

describe("UpdateAlias", () => {
  test("points an alias at another key and moves LastUpdatedDate, keeping CreationDate", async () => {
    const a = await createKeyRef(h.kms);
    const b = await createKeyRef(h.kms);
    const name = aliasName("moving");
    await h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: a.keyId }));
    const [created] = (await allAliases(h.kms, a.keyId)).filter((x) => x.AliasName === name);
    assert.ok(created);
    await new Promise((r) => setTimeout(r, 20)); // dates are kept to the millisecond
    await h.kms.send(new UpdateAliasCommand({ AliasName: name, TargetKeyId: b.arn }));
    assert.equal(await targetOf(name), b.keyId);
    const [moved] = (await allAliases(h.kms, b.keyId)).filter((x) => x.AliasName === name);
    assert.ok(moved, "the alias is now listed under the new key");
    assert.equal(moved.TargetKeyId, b.keyId);
    assert.equal(moved.CreationDate?.getTime(), created.CreationDate?.getTime());
    assert.ok((moved.LastUpdatedDate?.getTime() ?? 0) > (created.LastUpdatedDate?.getTime() ?? 0));
    assert.ok(!(await allAliases(h.kms, a.keyId)).some((x) => x.AliasName === name), "and no longer under the old one");
  });

  test("an unknown alias is NotFoundException naming the alias ARN", async () => {
    const key = await createKeyRef(h.kms);
    const name = aliasName("never-created");
    const err = await expectError(h.kms.send(new UpdateAliasCommand({ AliasName: name, TargetKeyId: key.keyId })), "NotFoundException");
    assert.equal(err.message, `Alias ${aliasArn(name)} is not found.`);
  });

  test("an alias as the new target is a ValidationException, a target pending deletion KMSInvalidStateException", async () => {
    const a = await createKeyRef(h.kms);
    const b = await createKeyRef(h.kms);
    const name = aliasName("stays");
    const other = aliasName("other");
    await h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: a.keyId }));
    await h.kms.send(new CreateAliasCommand({ AliasName: other, TargetKeyId: b.keyId }));
    await expectError(h.kms.send(new UpdateAliasCommand({ AliasName: name, TargetKeyId: other })), "ValidationException");
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: b.keyId, PendingWindowInDays: 7 }));
    await expectError(h.kms.send(new UpdateAliasCommand({ AliasName: name, TargetKeyId: b.keyId })), "KMSInvalidStateException");
    assert.equal(await targetOf(name), a.keyId);
  });

  test("an alias whose current key is pending deletion can be moved to a usable key", async () => {
    const a = await createKeyRef(h.kms);
    const b = await createKeyRef(h.kms);
    const name = aliasName("rescued");
    await h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: a.keyId }));
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: a.keyId, PendingWindowInDays: 7 }));
    await h.kms.send(new UpdateAliasCommand({ AliasName: name, TargetKeyId: b.keyId }));
    assert.equal(await targetOf(name), b.keyId);
  });
});

describe("DeleteAlias", () => {
  test("removes the alias but not the key; a second delete is NotFoundException", async () => {
    const key = await createKeyRef(h.kms);
    const name = aliasName("short-lived");
    await h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.keyId }));
    await h.kms.send(new DeleteAliasCommand({ AliasName: name }));
    assert.ok(!(await allAliases(h.kms)).some((a) => a.AliasName === name));
    const gone = await expectError(h.kms.send(new DescribeKeyCommand({ KeyId: name })), "NotFoundException");
    assert.equal(gone.message, `Alias ${aliasArn(name)} is not found.`);
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: key.keyId }))).KeyMetadata?.KeyState, "Enabled");
    const again = await expectError(h.kms.send(new DeleteAliasCommand({ AliasName: name })), "NotFoundException");
    assert.equal(again.message, `Alias ${aliasArn(name)} is not found.`);
  });

  test("works while the key is pending deletion, and the name can then be reused", async () => {
    const key = await createKeyRef(h.kms);
    const name = aliasName("reused");
    await h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.keyId }));
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 7 }));
    await h.kms.send(new DeleteAliasCommand({ AliasName: name }));
    const next = await createKeyRef(h.kms);
    await h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: next.keyId }));
    assert.equal(await targetOf(name), next.keyId);
  });

  test("a name without the alias/ prefix is AWS's ValidationException", async () => {
    await expectError(h.kms.send(new DeleteAliasCommand({ AliasName: "no-prefix" })), "ValidationException");
  });
});

describe("ListAliases", () => {
  test("with KeyId lists only that key's aliases, by key id or key ARN", async () => {
    const a = await createKeyRef(h.kms);
    const b = await createKeyRef(h.kms);
    const mine = [aliasName("mine"), aliasName("mine")];
    for (const n of mine) await h.kms.send(new CreateAliasCommand({ AliasName: n, TargetKeyId: a.keyId }));
    await h.kms.send(new CreateAliasCommand({ AliasName: aliasName("theirs"), TargetKeyId: b.keyId }));
    for (const id of [a.keyId, a.arn]) {
      const listed = await allAliases(h.kms, id);
      assert.deepEqual(listed.map((x) => x.AliasName).sort(), [...mine].sort());
      assert.ok(listed.every((x) => x.TargetKeyId === a.keyId));
    }
  });

  test("with KeyId of a key without aliases lists none", async () => {
    const key = await createKeyRef(h.kms);
    const r = await h.kms.send(new ListAliasesCommand({ KeyId: key.keyId }));
    assert.deepEqual(r.Aliases, []);
    assert.equal(r.Truncated, false);
  });

  test("with an unknown KeyId is NotFoundException", async () => {
    await expectError(h.kms.send(new ListAliasesCommand({ KeyId: "00000000-0000-4000-8000-0000000000bb" })), "NotFoundException");
  });

  test("pages with Limit and Marker across more aliases than Limit", async () => {
    const key = await createKeyRef(h.kms);
    const names = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const n = aliasName("paged");
      names.add(n);
      await h.kms.send(new CreateAliasCommand({ AliasName: n, TargetKeyId: key.keyId }));
    }
    const { items, shapes } = await allPages(
      "ListAliases",
      10,
      (marker) => h.kms.send(new ListAliasesCommand({ KeyId: key.keyId, Limit: 2, ...marker })),
      (r) => r.Aliases,
    );
    const seen = items.map((a) => a.AliasName ?? "");
    assert.deepEqual(shapes, FIVE_IN_PAGES_OF_TWO);
    assert.equal(seen.length, 5);
    assert.deepEqual(new Set(seen), names);
  });

  test("a made-up Marker is InvalidMarkerException", async () => {
    await expectError(h.kms.send(new ListAliasesCommand({ Marker: "made-up" })), "InvalidMarkerException");
  });

  test("lists only the caller's region", async () => {
    const key = await createKeyRef(h.kms);
    const name = aliasName("east-only");
    await h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.keyId }));
    const west = await allAliases(h.client({ region: "eu-north-1" }));
    assert.ok(!west.some((a) => a.AliasName === name));
  });
});

describe("using an alias", () => {
  test("Encrypt accepts an alias name or alias ARN and answers with the key ARN; Decrypt needs no alias", async () => {
    const key = await createKeyRef(h.kms);
    const name = aliasName("crypto");
    await h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.keyId }));
    for (const id of [name, aliasArn(name)]) {
      const enc = await h.kms.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from("via alias") }));
      assert.equal(enc.KeyId, key.arn);
      const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
      assert.equal(Buffer.from(dec.Plaintext ?? []).toString(), "via alias");
      assert.equal(dec.KeyId, key.arn);
    }
  });

  test("after UpdateAlias, Encrypt through the alias uses the new key and old ciphertexts still decrypt", async () => {
    const a = await createKeyRef(h.kms);
    const b = await createKeyRef(h.kms);
    const name = aliasName("rotating");
    await h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: a.keyId }));
    const old = await h.kms.send(new EncryptCommand({ KeyId: name, Plaintext: Buffer.from("one") }));
    await h.kms.send(new UpdateAliasCommand({ AliasName: name, TargetKeyId: b.keyId }));
    const fresh = await h.kms.send(new EncryptCommand({ KeyId: name, Plaintext: Buffer.from("two") }));
    assert.equal(old.KeyId, a.arn);
    assert.equal(fresh.KeyId, b.arn);
    const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob }));
    assert.equal(dec.KeyId, a.arn);
  });

  test("Encrypt through an unknown alias is NotFoundException naming the alias ARN", async () => {
    const name = aliasName("absent");
    const err = await expectError(h.kms.send(new EncryptCommand({ KeyId: name, Plaintext: Buffer.from("x") })), "NotFoundException");
    assert.equal(err.message, `Alias ${aliasArn(name)} is not found.`);
  });
});
