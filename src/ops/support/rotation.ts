import { keyArn } from "../../domain/arn.js";
import { KmsError } from "../../domain/errors.js";
import type { KeyRecord } from "../../domain/key-record.js";
import type { Store } from "../../store/store.js";
import type { KeyMaterials } from "./key-materials.js";
import { mutateKey } from "./mutate-key.js";

export const DAY_MS = 86_400_000;
/** AWS's cap on on-demand rotations per key. */
export const MAX_ON_DEMAND_ROTATIONS = 25;

/** AWS rotates symmetric encryption keys with AWS-generated material only. */
export function checkRotatable(key: KeyRecord, operation: string): void {
  const arn = keyArn(key.region, key.accountId, key.keyId);
  if (key.keySpec !== "SYMMETRIC_DEFAULT") {
    throw new KmsError("UnsupportedOperationException", `${arn} key spec ${key.keySpec} does not support ${operation}.`);
  }
  if (key.origin !== "AWS_KMS") {
    throw new KmsError("UnsupportedOperationException", `${arn} origin ${key.origin} does not support ${operation}.`);
  }
}

/**
 * On-demand rotation and ListKeyRotations also take symmetric keys with imported material (AWS,
 * 2025): their new material is imported with ImportType NEW_KEY_MATERIAL, then rotated in.
 */
export function checkOnDemandRotatable(key: KeyRecord, operation: string): void {
  if (key.origin === "EXTERNAL" && key.keySpec === "SYMMETRIC_DEFAULT") return;
  checkRotatable(key, operation);
}

/**
 * Adds a new backing-key version and makes it current. Old versions stay, so every earlier
 * ciphertext still decrypts. Automatic rotations also move the next rotation date to
 * `now + period` (so a rotation missed while the service was down happens once).
 */
export async function rotateKeyMaterial(
  deps: { store: Store; materials: KeyMaterials; random: (n: number) => Buffer },
  key: KeyRecord,
  kind: "ROTATION_AUTOMATIC" | "ROTATION_ON_DEMAND",
  now: number,
): Promise<KeyRecord> {
  const material = await deps.materials.generateSymmetric(key.keyId, kind, now, deps.random);
  return mutateKey(deps.store, key, (current) => {
    const rotation =
      kind === "ROTATION_AUTOMATIC"
        ? { ...current.rotation, nextRotationAt: now + current.rotation.periodDays * DAY_MS }
        : { ...current.rotation, onDemandCount: current.rotation.onDemandCount + 1 };
    return { key: { ...current, currentMaterialId: material.materialId, rotation }, addMaterials: [material] };
  });
}
