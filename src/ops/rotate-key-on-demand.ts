import type { RotateKeyOnDemandRequest, RotateKeyOnDemandResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import { applyImportedRotation } from "../domain/imported-material.js";
import type { OpContext } from "./context.js";
import { mutateKey } from "./support/mutate-key.js";
import { MAX_ON_DEMAND_ROTATIONS, checkOnDemandRotatable, rotateKeyMaterial } from "./support/rotation.js";
import { checkKeyState, useKey } from "./support/use-key.js";

export async function rotateKeyOnDemand(ctx: OpContext, input: RotateKeyOnDemandRequest): Promise<RotateKeyOnDemandResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "RotateKeyOnDemand",
    action: "kms:RotateKeyOnDemand",
    allowAlias: false,
  });
  checkOnDemandRotatable(key, "RotateKeyOnDemand");
  const arn = keyArn(key.region, key.accountId, key.keyId);
  if (key.rotation.onDemandCount >= MAX_ON_DEMAND_ROTATIONS) {
    throw new KmsError(
      "LimitExceededException",
      `${arn} has reached the limit of ${MAX_ON_DEMAND_ROTATIONS} on-demand rotations.`,
    );
  }
  const now = ctx.now();
  if (key.origin === "EXTERNAL") {
    // Imported material: the material imported with NEW_KEY_MATERIAL (PENDING_ROTATION) becomes current.
    await mutateKey(ctx.store, key, (cur) => {
      checkKeyState(cur, "RotateKeyOnDemand");
      const rotated = applyImportedRotation(cur, now);
      return { key: { ...rotated, rotation: { ...cur.rotation, onDemandCount: cur.rotation.onDemandCount + 1 } } };
    });
    return { KeyId: arn };
  }
  // Rotation completes before the response: Encrypt uses the new material from now on.
  await rotateKeyMaterial(ctx, key, "ROTATION_ON_DEMAND", now);
  return { KeyId: arn };
}
