import type { DisableKeyRotationRequest } from "../generated/kms-types.js";
import type { OpContext } from "./context.js";
import { mutateKey } from "./support/mutate-key.js";
import { checkRotatable } from "./support/rotation.js";
import { checkKeyState, useKey } from "./support/use-key.js";

export async function disableKeyRotation(ctx: OpContext, input: DisableKeyRotationRequest): Promise<Record<string, never>> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "DisableKeyRotation",
    action: "kms:DisableKeyRotation",
    allowAlias: false,
  });
  checkRotatable(key, "DisableKeyRotation");
  await mutateKey(ctx.store, key, (cur) => {
    checkKeyState(cur, "DisableKeyRotation");
    const { nextRotationAt: _next, ...rest } = cur.rotation;
    return { key: { ...cur, rotation: { ...rest, enabled: false } } };
  });
  return {};
}
