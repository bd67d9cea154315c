import type { UntagResourceRequest } from "../generated/kms-types.js";
import { removeTags } from "../domain/tags.js";
import type { OpContext } from "./context.js";
import { mutateKey } from "./support/mutate-key.js";
import { checkKeyState, useKey } from "./support/use-key.js";

export async function untagResource(ctx: OpContext, input: UntagResourceRequest): Promise<Record<string, never>> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "UntagResource",
    action: "kms:UntagResource",
    allowAlias: false,
    conditions: { "aws:TagKeys": [...input.TagKeys] },
  });
  await mutateKey(ctx.store, key, (cur) => {
    checkKeyState(cur, "UntagResource");
    return { key: { ...cur, tags: removeTags(cur.tags, input.TagKeys) } };
  });
  return {};
}
