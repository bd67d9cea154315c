import type { TagResourceRequest } from "../generated/kms-types.js";
import { checkRequestTags, mergeTags } from "../domain/tags.js";
import type { OpContext } from "./context.js";
import { mutateKey } from "./support/mutate-key.js";
import { checkKeyState, useKey } from "./support/use-key.js";

export async function tagResource(ctx: OpContext, input: TagResourceRequest): Promise<Record<string, never>> {
  const tags = input.Tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue }));
  checkRequestTags(tags);
  const requestTags: Record<string, string> = {};
  for (const t of tags) requestTags[`aws:RequestTag/${t.TagKey}`] = t.TagValue;
  const key = await useKey(ctx, input.KeyId, {
    operation: "TagResource",
    action: "kms:TagResource",
    allowAlias: false,
    conditions: { ...requestTags, "aws:TagKeys": tags.map((t) => t.TagKey) },
  });
  await mutateKey(ctx.store, key, (cur) => {
    checkKeyState(cur, "TagResource");
    return { key: { ...cur, tags: mergeTags(cur.tags, tags) } };
  });
  return {};
}
