import type { ListKeyRotationsRequest, ListKeyRotationsResponse, RotationsListEntry } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { KeyRecord } from "../domain/key-record.js";
import { decodeMarker, encodeMarker } from "../domain/marker.js";
import type { OpContext } from "./context.js";
import { checkOnDemandRotatable } from "./support/rotation.js";
import { useKey } from "./support/use-key.js";

export async function listKeyRotations(ctx: OpContext, input: ListKeyRotationsRequest): Promise<ListKeyRotationsResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "ListKeyRotations",
    action: "kms:ListKeyRotations",
    allowAlias: false,
  });
  checkOnDemandRotatable(key, "ListKeyRotations");
  const all = input.IncludeKeyMaterial === "ALL_KEY_MATERIAL";
  const entries = key.origin === "EXTERNAL" ? importedEntries(key, all) : await generatedEntries(ctx, key, all);
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

async function generatedEntries(ctx: OpContext, key: KeyRecord, all: boolean): Promise<RotationsListEntry[]> {
  const arn = keyArn(key.region, key.accountId, key.keyId);
  const materials = (await ctx.store.listKeyMaterials(key.keyId)).filter((m) => all || m.origin !== "CREATE");
  return materials.map((m) => {
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
}

/**
 * A key with imported material: every material it has had, present or deleted (ImportState), with
 * its state, expiry and description. Without ALL_KEY_MATERIAL only completed rotations are listed
 * (not the first material, nor one pending rotation).
 */
function importedEntries(key: KeyRecord, all: boolean): RotationsListEntry[] {
  const arn = keyArn(key.region, key.accountId, key.keyId);
  return (key.importedMaterials ?? [])
    .filter((m) => all || m.rotatedAt !== undefined)
    .map((m) => {
      const e: RotationsListEntry = {
        KeyId: arn,
        KeyMaterialId: m.materialId,
        ImportState: m.imported ? "IMPORTED" : "PENDING_IMPORT",
        KeyMaterialState: m.state,
      };
      if (m.description !== undefined) e.KeyMaterialDescription = m.description;
      if (m.expirationModel !== undefined) e.ExpirationModel = m.expirationModel;
      if (m.validTo !== undefined) e.ValidTo = new Date(m.validTo);
      if (m.rotatedAt !== undefined) {
        e.RotationDate = new Date(m.rotatedAt);
        e.RotationType = "ON_DEMAND";
      }
      return e;
    });
}
