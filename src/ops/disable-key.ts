import type { DisableKeyRequest } from "../generated/kms-types.js";
import type { OpContext } from "./context.js";
import { mutateKey } from "./support/mutate-key.js";
import { checkKeyState, useKey } from "./support/use-key.js";

export async function disableKey(ctx: OpContext, input: DisableKeyRequest): Promise<Record<string, never>> {
  const key = await useKey(ctx, input.KeyId, { operation: "DisableKey", action: "kms:DisableKey", allowAlias: false });
  if (key.keyState === "Disabled") return {};
  await mutateKey(ctx.store, key, (cur) => {
    checkKeyState(cur, "DisableKey");
    return { key: cur.keyState === "Enabled" ? { ...cur, keyState: "Disabled" } : cur };
  });
  return {};
}
