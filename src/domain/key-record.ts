import { nextMaterialExpiry, type ImportedMaterial } from "./imported-material.js";
import type { KeyState } from "./key-state-table.js";
import type { KeyUsage } from "./key-spec.js";
import type { WrappedKey } from "../keystore/keystore.js";

export interface Tag {
  readonly TagKey: string;
  readonly TagValue: string;
}

export type Origin = "AWS_KMS" | "EXTERNAL" | "AWS_CLOUDHSM" | "EXTERNAL_KEY_STORE";

export interface RotationSettings {
  readonly enabled: boolean;
  /** Days between automatic rotations (AWS default 365). */
  readonly periodDays: number;
  /** Epoch ms of the next automatic rotation, when enabled. */
  readonly nextRotationAt?: number;
  /** Epoch ms when the last on-demand rotation started. */
  readonly onDemandStartedAt?: number;
  /** How many on-demand rotations this key has had (AWS caps them). */
  readonly onDemandCount: number;
}

/** Everything Trent knows about a KMS key except its material. Times are epoch milliseconds. */
export interface KeyRecord {
  readonly keyId: string;
  readonly accountId: string;
  readonly region: string;
  readonly createdAt: number;
  readonly description: string;
  readonly keyUsage: KeyUsage;
  readonly keySpec: string;
  readonly origin: Origin;
  readonly keyState: KeyState;
  readonly deletionDate?: number;
  readonly pendingWindowDays?: number;
  readonly policy: string;
  readonly tags: readonly Tag[];
  readonly rotation: RotationSettings;
  /** Id of the material Encrypt uses; absent while PendingImport. */
  readonly currentMaterialId?: string;
  /** EXTERNAL keys: what DescribeKey shows, derived from importedMaterials (see withImportedMaterials). */
  readonly validTo?: number;
  readonly expirationModel?: "KEY_MATERIAL_EXPIRES" | "KEY_MATERIAL_DOES_NOT_EXPIRE";
  /** EXTERNAL keys: every key material imported into the key, present or deleted, in import order. */
  readonly importedMaterials?: readonly ImportedMaterial[];
  readonly customKeyStoreId?: string;
  /** Origin EXTERNAL_KEY_STORE: the external key's id at the store's XKS proxy (XksKeyId). */
  readonly xksKeyId?: string;
  /** Incremented by the store on every write; used for compare-and-swap. */
  readonly revision: number;
}

/** One version of a key's material (a backing key), stored only wrapped under the root. */
export interface KeyMaterialRecord {
  readonly keyId: string;
  /** 64 lower-case hex characters; also the KeyMaterialId AWS reports. */
  readonly materialId: string;
  readonly createdAt: number;
  readonly wrapped: WrappedKey;
  /** How this material came to be. */
  readonly origin: "CREATE" | "ROTATION_AUTOMATIC" | "ROTATION_ON_DEMAND" | "IMPORT";
  /** DER SubjectPublicKeyInfo for asymmetric keys (public, stored in clear). */
  readonly publicKey?: Buffer;
}

export interface AliasRecord {
  readonly accountId: string;
  readonly region: string;
  /** Includes the `alias/` prefix. */
  readonly aliasName: string;
  readonly targetKeyId: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The earliest moment something must happen to this key by itself (deletion, rotation, expiry). */
export function nextDueAt(key: KeyRecord): number | undefined {
  let due: number | undefined;
  const consider = (t: number | undefined): void => {
    if (t !== undefined && (due === undefined || t < due)) due = t;
  };
  if (key.keyState === "PendingDeletion") consider(key.deletionDate);
  // Disabled keys do not rotate; re-enabling recomputes this and a missed rotation happens then.
  if (key.rotation.enabled && key.keyState === "Enabled") consider(key.rotation.nextRotationAt);
  if (key.expirationModel === "KEY_MATERIAL_EXPIRES") consider(key.validTo);
  // Imported material expires whatever the key state (a pending-rotation one too).
  consider(nextMaterialExpiry(key));
  return due;
}

/** Binding data for wrapping a key's material: the material can only be unwrapped for this key. */
export function materialBinding(keyId: string, materialId: string): Buffer {
  return Buffer.from(`${keyId}/${materialId}`, "utf8");
}
