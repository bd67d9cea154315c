import type { GetKeyRotationStatusRequest, GetKeyRotationStatusResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import type { OpContext } from "./context.js";
import { checkRotatable } from "./support/rotation.js";
import { useKey } from "./support/use-key.js";

export async function getKeyRotationStatus(ctx: OpContext, input: GetKeyRotationStatusRequest): Promise<GetKeyRotationStatusResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "GetKeyRotationStatus",
    action: "kms:GetKeyRotationStatus",
    allowAlias: false,
  });
  const arn = keyArn(key.region, key.accountId, key.keyId);
  checkRotatable(key, "GetKeyRotationStatus");
  const r = key.rotation;
  if (!r.enabled) return { KeyRotationEnabled: false, KeyId: arn };
  return {
    KeyRotationEnabled: true,
    KeyId: arn,
    RotationPeriodInDays: r.periodDays,
    ...(r.nextRotationAt !== undefined ? { NextRotationDate: new Date(r.nextRotationAt) } : {}),
  };
}
