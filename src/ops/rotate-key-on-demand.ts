import type { RotateKeyOnDemandRequest, RotateKeyOnDemandResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { MAX_ON_DEMAND_ROTATIONS, checkRotatable, rotateKeyMaterial } from "./support/rotation.js";
import { useKey } from "./support/use-key.js";

export async function rotateKeyOnDemand(ctx: OpContext, input: RotateKeyOnDemandRequest): Promise<RotateKeyOnDemandResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "RotateKeyOnDemand",
    action: "kms:RotateKeyOnDemand",
    allowAlias: false,
  });
  checkRotatable(key, "RotateKeyOnDemand");
  const arn = keyArn(key.region, key.accountId, key.keyId);
  if (key.rotation.onDemandCount >= MAX_ON_DEMAND_ROTATIONS) {
    throw new KmsError(
      "LimitExceededException",
      `${arn} has reached the limit of ${MAX_ON_DEMAND_ROTATIONS} on-demand rotations.`,
    );
  }
  // Rotation completes before the response: Encrypt uses the new material from now on.
  await rotateKeyMaterial(ctx, key, "ROTATION_ON_DEMAND", ctx.now());
  return { KeyId: arn };
}
