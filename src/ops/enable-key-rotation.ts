import type { EnableKeyRotationRequest } from "../generated/kms-types.js";
import type { OpContext } from "./context.js";
import { mutateKey } from "./support/mutate-key.js";
import { DAY_MS, checkRotatable } from "./support/rotation.js";
import { checkKeyState, useKey } from "./support/use-key.js";

const DEFAULT_PERIOD_DAYS = 365;

export async function enableKeyRotation(ctx: OpContext, input: EnableKeyRotationRequest): Promise<Record<string, never>> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "EnableKeyRotation",
    action: "kms:EnableKeyRotation",
    allowAlias: false,
    ...(input.RotationPeriodInDays !== undefined ? { conditions: { "kms:RotationPeriodInDays": input.RotationPeriodInDays } } : {}),
  });
  checkRotatable(key, "EnableKeyRotation");
  const period = input.RotationPeriodInDays ?? DEFAULT_PERIOD_DAYS;
  const now = ctx.now();
  await mutateKey(ctx.store, key, (cur) => {
    checkKeyState(cur, "EnableKeyRotation");
    // Re-enabling (or changing the period) restarts the clock from now, as AWS does.
    return { key: { ...cur, rotation: { ...cur.rotation, enabled: true, periodDays: period, nextRotationAt: now + period * DAY_MS } } };
  });
  return {};
}
