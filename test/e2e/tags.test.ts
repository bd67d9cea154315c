import {
  CreateKeyCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type Tag,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { allPages, FIVE_IN_PAGES_OF_TWO } from "../support/paging.js";
import { createKeyRef, expectError, useTrent } from "../support/harness.js";

const h = useTrent();

/** The key's tags as a plain object, following NextMarker. */
async function tagsOf(keyId: string): Promise<Record<string, string>> {
  const { items } = await allPages(
    "ListResourceTags",
    100,
    (marker) => h.kms.send(new ListResourceTagsCommand({ KeyId: keyId, ...marker })),
    (r) => r.Tags,
  );
  const out: Record<string, string> = {};
  for (const t of items) out[t.TagKey ?? ""] = t.TagValue ?? "";
  return out;
}

function manyTags(n: number, prefix = "k"): Tag[] {
  return Array.from({ length: n }, (_, i) => ({ TagKey: `${prefix}${i}`, TagValue: `v${i}` }));
}

describe("TagResource and UntagResource", () => {
  test("a new key has no tags and ListResourceTags says so", async () => {
    const { keyId } = await createKeyRef(h.kms);
    const r = await h.kms.send(new ListResourceTagsCommand({ KeyId: keyId }));
    assert.deepEqual(r.Tags, []);
    assert.equal(r.Truncated, false);
    assert.equal(r.NextMarker, undefined);
  });

  test("TagResource adds tags, overwrites the value of an existing key, and accepts an empty value", async () => {
    const { keyId, arn } = await createKeyRef(h.kms);
    await h.kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "team", TagValue: "payments" }] }));
    await h.kms.send(
      new TagResourceCommand({
        KeyId: arn,
        Tags: [
          { TagKey: "team", TagValue: "billing" },
          { TagKey: "empty", TagValue: "" },
        ],
      }),
    );
    assert.deepEqual(await tagsOf(keyId), { team: "billing", empty: "" });
  });

  test("tag keys and values are case-sensitive", async () => {
    const { keyId } = await createKeyRef(h.kms);
    await h.kms.send(
      new TagResourceCommand({
        KeyId: keyId,
        Tags: [
          { TagKey: "Env", TagValue: "Prod" },
          { TagKey: "env", TagValue: "prod" },
        ],
      }),
    );
    assert.deepEqual(await tagsOf(keyId), { Env: "Prod", env: "prod" });
  });

  test("UntagResource removes the named keys and ignores keys the key does not have", async () => {
    const { keyId } = await createKeyRef(h.kms, { Tags: [
      { TagKey: "a", TagValue: "1" },
      { TagKey: "b", TagValue: "2" },
      { TagKey: "c", TagValue: "3" },
    ] });
    await h.kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ["a", "c", "not-there"] }));
    assert.deepEqual(await tagsOf(keyId), { b: "2" });
  });

  test("an unknown key is NotFoundException and an alias name is rejected as for every key-id-only operation", async () => {
    const unknown = "00000000-0000-4000-8000-0000000000cc";
    await expectError(h.kms.send(new TagResourceCommand({ KeyId: unknown, Tags: [{ TagKey: "a", TagValue: "b" }] })), "NotFoundException");
    await expectError(h.kms.send(new UntagResourceCommand({ KeyId: unknown, TagKeys: ["a"] })), "NotFoundException");
    await expectError(h.kms.send(new ListResourceTagsCommand({ KeyId: unknown })), "NotFoundException");
    await expectError(h.kms.send(new TagResourceCommand({ KeyId: "alias/anything", Tags: [{ TagKey: "a", TagValue: "b" }] })), "NotFoundException");
  });

  test("a key pending deletion cannot be tagged or untagged, but its tags can be listed", async () => {
    const { keyId, arn } = await createKeyRef(h.kms, { Tags: [{ TagKey: "keep", TagValue: "me" }] });
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    const err = await expectError(
      h.kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "late", TagValue: "x" }] })),
      "KMSInvalidStateException",
    );
    assert.equal(err.message, `${arn} is pending deletion.`);
    await expectError(h.kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ["keep"] })), "KMSInvalidStateException");
    assert.deepEqual(await tagsOf(keyId), { keep: "me" });
  });
});

describe("tag rules", () => {
  test("a tag key starting with aws: (any case) is TagException, at CreateKey and at TagResource", async () => {
    for (const TagKey of ["aws:owner", "AWS:owner", "Aws:x"]) {
      const c = await expectError(h.kms.send(new CreateKeyCommand({ Tags: [{ TagKey, TagValue: "x" }] })), "TagException");
      assert.equal(c.message, "Tags beginning with aws: are reserved");
      assert.equal(c.$metadata?.httpStatusCode, 400);
    }
    const { keyId } = await createKeyRef(h.kms);
    const t = await expectError(
      h.kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "ok", TagValue: "1" }, { TagKey: "aws:no", TagValue: "2" }] })),
      "TagException",
    );
    assert.equal(t.message, "Tags beginning with aws: are reserved");
    assert.deepEqual(await tagsOf(keyId), {}, "a refused request adds none of its tags");
  });

  test("a tag key that merely contains aws is allowed", async () => {
    const { keyId } = await createKeyRef(h.kms, { Tags: [{ TagKey: "awsome", TagValue: "1" }, { TagKey: "team:aws:x", TagValue: "2" }] });
    assert.deepEqual(await tagsOf(keyId), { awsome: "1", "team:aws:x": "2" });
  });

  test("the same tag key twice in one request is TagException", async () => {
    const dup = [
      { TagKey: "dup", TagValue: "1" },
      { TagKey: "dup", TagValue: "2" },
    ];
    const c = await expectError(h.kms.send(new CreateKeyCommand({ Tags: dup })), "TagException");
    assert.equal(c.message, "Duplicate tag keys");
    const { keyId } = await createKeyRef(h.kms);
    const t = await expectError(h.kms.send(new TagResourceCommand({ KeyId: keyId, Tags: dup })), "TagException");
    assert.equal(t.message, "Duplicate tag keys");
    assert.deepEqual(await tagsOf(keyId), {});
  });

  test("more than 50 tags in one request is TagException 'Too many tags'; 50 is allowed", async () => {
    const c = await expectError(h.kms.send(new CreateKeyCommand({ Tags: manyTags(51) })), "TagException");
    assert.equal(c.message, "Too many tags");
    const { keyId } = await createKeyRef(h.kms);
    const t = await expectError(h.kms.send(new TagResourceCommand({ KeyId: keyId, Tags: manyTags(51) })), "TagException");
    assert.equal(t.message, "Too many tags");
    const full = await createKeyRef(h.kms, { Tags: manyTags(50) });
    assert.equal(Object.keys(await tagsOf(full.keyId)).length, 50);
  });

  test("a key cannot hold more than 50 tags in total", async () => {
    // AWS's quota is 50 tags per key; the error for exceeding it across requests is not
    // documented, so only the refusal and the unchanged tag set are asserted.
    const { keyId } = await createKeyRef(h.kms, { Tags: manyTags(50) });
    await assert.rejects(h.kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "one-more", TagValue: "x" }] })));
    const tags = await tagsOf(keyId);
    assert.equal(Object.keys(tags).length, 50);
    assert.equal(tags["one-more"], undefined);
    await h.kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "k0", TagValue: "replaced" }] }));
    assert.equal((await tagsOf(keyId))["k0"], "replaced", "overwriting an existing key stays within the quota");
  });

  test("a tag key over 128 characters or a value over 256 is the model's ValidationException", async () => {
    const longKey = await expectError(h.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: "k".repeat(129), TagValue: "v" }] })), "ValidationException");
    assert.match(longKey.message, /at 'tags\.1\.member\.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128/);
    const longValue = await expectError(h.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: "k", TagValue: "v".repeat(257) }] })), "ValidationException");
    assert.match(longValue.message, /at 'tags\.1\.member\.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256/);
  });

  test("tags given at CreateKey are listed, and TagResource adds to them", async () => {
    const { keyId } = await createKeyRef(h.kms, { Tags: [
      { TagKey: "project", TagValue: "trent" },
      { TagKey: "cost-center", TagValue: "42" },
    ] });
    await h.kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "owner", TagValue: "ops" }] }));
    assert.deepEqual(await tagsOf(keyId), { project: "trent", "cost-center": "42", owner: "ops" });
  });
});

describe("ListResourceTags", () => {
  test("pages with Limit and Marker, each tag exactly once", async () => {
    const tags = manyTags(5, "page");
    const { keyId } = await createKeyRef(h.kms, { Tags: tags });
    const { items: seen, shapes } = await allPages(
      "ListResourceTags",
      10,
      (marker) => h.kms.send(new ListResourceTagsCommand({ KeyId: keyId, Limit: 2, ...marker })),
      (r) => r.Tags,
    );
    assert.deepEqual(shapes, FIVE_IN_PAGES_OF_TWO);
    const byKey = (x: Tag, y: Tag) => (x.TagKey ?? "").localeCompare(y.TagKey ?? "");
    assert.deepEqual([...seen].sort(byKey), [...tags].sort(byKey));
  });

  test("a made-up Marker is InvalidMarkerException", async () => {
    const { keyId } = await createKeyRef(h.kms, { Tags: [{ TagKey: "a", TagValue: "b" }] });
    await expectError(h.kms.send(new ListResourceTagsCommand({ KeyId: keyId, Marker: "made-up" })), "InvalidMarkerException");
  });

  test("Limit outside 1..1000 is a ValidationException", async () => {
    const { keyId } = await createKeyRef(h.kms);
    await expectError(h.kms.send(new ListResourceTagsCommand({ KeyId: keyId, Limit: 0 })), "ValidationException");
  });
});
