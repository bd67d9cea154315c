import type { UpdateKeyDescriptionRequest } from "../generated/kms-types.js";
import type { OpContext } from "./context.js";
import { mutateKey } from "./support/mutate-key.js";
import { checkKeyState, useKey } from "./support/use-key.js";

export async function updateKeyDescription(ctx: OpContext, input: UpdateKeyDescriptionRequest): Promise<Record<string, never>> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "UpdateKeyDescription",
    action: "kms:UpdateKeyDescription",
    allowAlias: false,
  });
  await mutateKey(ctx.store, key, (cur) => {
    checkKeyState(cur, "UpdateKeyDescription");
    return { key: { ...cur, description: input.Description } };
  });
  return {};
}
