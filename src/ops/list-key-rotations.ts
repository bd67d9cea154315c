import type { ListKeyRotationsRequest, ListKeyRotationsResponse, RotationsListEntry } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import { decodeMarker, encodeMarker } from "../domain/marker.js";
import type { OpContext } from "./context.js";
import { checkRotatable } from "./support/rotation.js";
import { useKey } from "./support/use-key.js";

export async function listKeyRotations(ctx: OpContext, input: ListKeyRotationsRequest): Promise<ListKeyRotationsResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "ListKeyRotations",
    action: "kms:ListKeyRotations",
    allowAlias: false,
  });
  checkRotatable(key, "ListKeyRotations");
  const arn = keyArn(key.region, key.accountId, key.keyId);
  const all = input.IncludeKeyMaterial === "ALL_KEY_MATERIAL";
  const materials = (await ctx.store.listKeyMaterials(key.keyId)).filter((m) => all || m.origin !== "CREATE");
  const entries: RotationsListEntry[] = materials.map((m) => {
    const e: RotationsListEntry = {
      KeyId: arn,
      KeyMaterialId: m.materialId,
      KeyMaterialState: m.materialId === key.currentMaterialId ? "CURRENT" : "NON_CURRENT",
    };
    if (m.origin === "ROTATION_AUTOMATIC" || m.origin === "ROTATION_ON_DEMAND") {
      e.RotationDate = new Date(m.createdAt);
      e.RotationType = m.origin === "ROTATION_AUTOMATIC" ? "AUTOMATIC" : "ON_DEMAND";
    }
    return e;
  });
  const pos = decodeMarker("rotations", input.Marker);
  const start = pos === undefined ? 0 : Number(pos);
  if (!Number.isInteger(start) || start < 0) throw new KmsError("InvalidMarkerException", "Invalid marker");
  const limit = input.Limit ?? 100;
  const Rotations = entries.slice(start, start + limit);
  const end = start + Rotations.length;
  return end < entries.length
    ? { Rotations, NextMarker: encodeMarker("rotations", String(end)), Truncated: true }
    : { Rotations, Truncated: false };
}
