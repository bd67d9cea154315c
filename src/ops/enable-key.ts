import type { EnableKeyRequest } from "../generated/kms-types.js";
import type { OpContext } from "./context.js";
import { mutateKey } from "./support/mutate-key.js";
import { checkKeyState, useKey } from "./support/use-key.js";

export async function enableKey(ctx: OpContext, input: EnableKeyRequest): Promise<Record<string, never>> {
  const key = await useKey(ctx, input.KeyId, { operation: "EnableKey", action: "kms:EnableKey", allowAlias: false });
  if (key.keyState === "Enabled") return {};
  await mutateKey(ctx.store, key, (cur) => {
    checkKeyState(cur, "EnableKey");
    return { key: cur.keyState === "Disabled" ? { ...cur, keyState: "Enabled" } : cur };
  });
  return {};
}
