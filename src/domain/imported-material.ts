/**
 * The key materials of a KMS key with origin EXTERNAL, and what importing, deleting, expiring and
 * rotating them does to the key. Pure: the operations and the scheduler call these, then store
 * the result.
 *
 * AWS's rules (Developer Guide, "Import the key material", "Delete imported key material",
 * "Rotate keys on demand"; API reference of ImportKeyMaterial, DeleteImportedKeyMaterial,
 * RotationsListEntry, KeyMetadata), 2025:
 *  - The first material imported becomes CURRENT and is permanently associated with the key.
 *  - A symmetric encryption key may get more: ImportType NEW_KEY_MATERIAL imports one in state
 *    PENDING_ROTATION (not yet associated); RotateKeyOnDemand makes it CURRENT and the previous
 *    one NON_CURRENT. Asymmetric and HMAC keys have exactly one material ever.
 *  - Without ImportType, the first import is NEW_KEY_MATERIAL and later ones EXISTING_KEY_MATERIAL:
 *    the same material again (to restore it after deletion or expiry, or to change its expiry).
 *  - Deleting or expiring any permanently associated material makes the key PendingImport (a key
 *    pending deletion stays so); a PENDING_ROTATION material just goes away. The key is usable
 *    again once every permanently associated material is imported again.
 *  - KeyMetadata.ValidTo is the earliest expiry of the permanently associated materials;
 *    ExpirationModel is KEY_MATERIAL_EXPIRES when one of them expires.
 */
import { keyArn } from "./arn.js";
import { KmsError } from "./errors.js";
import type { KeyRecord } from "./key-record.js";

export type ExpirationModel = "KEY_MATERIAL_EXPIRES" | "KEY_MATERIAL_DOES_NOT_EXPIRE";
export type ImportedMaterialState = "CURRENT" | "NON_CURRENT" | "PENDING_ROTATION";
export type ImportType = "NEW_KEY_MATERIAL" | "EXISTING_KEY_MATERIAL";

/** One key material of an EXTERNAL key, present or not. Times are epoch milliseconds. */
export interface ImportedMaterial {
  readonly materialId: string;
  readonly state: ImportedMaterialState;
  /** True while the material is in Trent (ImportState IMPORTED); false once deleted or expired (PENDING_IMPORT). */
  readonly imported: boolean;
  /** Of the latest import; absent while not imported. */
  readonly expirationModel?: ExpirationModel;
  readonly validTo?: number;
  readonly description?: string;
  /** When an on-demand rotation made this material current. */
  readonly rotatedAt?: number;
}

const DAY_MS = 86_400_000;
/** Import parameters (wrapping key and token) are valid for 24 hours. */
export const IMPORT_PARAMETERS_VALIDITY_MS = DAY_MS;
/** ValidTo may be at most 365 days after the request. */
export const MAX_VALID_TO_MS = 365 * DAY_MS;

export function isPermanent(m: ImportedMaterial): boolean {
  return m.state !== "PENDING_ROTATION";
}

/** Whether every permanently associated material is imported (and there is at least one). */
export function importsComplete(materials: readonly ImportedMaterial[]): boolean {
  const permanent = materials.filter(isPermanent);
  return permanent.length > 0 && permanent.every((m) => m.imported);
}

/** The key with `materials`, and the key-level summary DescribeKey shows (ValidTo, ExpirationModel, current id). */
export function withImportedMaterials(key: KeyRecord, materials: readonly ImportedMaterial[]): KeyRecord {
  const { validTo: _v, expirationModel: _e, importedMaterials: _i, currentMaterialId: _c, ...rest } = key;
  const present = materials.filter((m) => isPermanent(m) && m.imported);
  const expiring = present.filter((m) => m.expirationModel === "KEY_MATERIAL_EXPIRES" && m.validTo !== undefined);
  const current = materials.find((m) => m.state === "CURRENT");
  let next: KeyRecord = { ...rest, importedMaterials: materials };
  if (current !== undefined) next = { ...next, currentMaterialId: current.materialId };
  if (expiring.length > 0) {
    next = { ...next, expirationModel: "KEY_MATERIAL_EXPIRES", validTo: Math.min(...expiring.map((m) => m.validTo ?? Infinity)) };
  } else if (present.length > 0) {
    next = { ...next, expirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" };
  }
  return next;
}

/** The earliest expiry of any imported material (including one pending rotation): when the scheduler must act. */
export function nextMaterialExpiry(key: KeyRecord): number | undefined {
  let due: number | undefined;
  for (const m of key.importedMaterials ?? []) {
    if (m.imported && m.expirationModel === "KEY_MATERIAL_EXPIRES" && m.validTo !== undefined) {
      if (due === undefined || m.validTo < due) due = m.validTo;
    }
  }
  return due;
}

export interface ExpirationChoice {
  readonly expirationModel: ExpirationModel;
  readonly validTo?: number;
}

/**
 * ImportKeyMaterial's ExpirationModel and ValidTo. The documented default model is
 * KEY_MATERIAL_EXPIRES, which needs ValidTo; KEY_MATERIAL_DOES_NOT_EXPIRE forbids it. ValidTo must
 * be in the future and at most 365 days away. Messages: local-kms's, which mirror AWS's.
 */
export function chooseExpiration(model: ExpirationModel | undefined, validTo: Date | undefined, now: number): ExpirationChoice {
  const chosen = model ?? "KEY_MATERIAL_EXPIRES";
  if (chosen === "KEY_MATERIAL_DOES_NOT_EXPIRE") {
    if (validTo !== undefined) {
      throw new KmsError(
        "ValidationException",
        "The parameter ValidTo cannot be specified for a key with an expiration model of KEY_MATERIAL_DOES_NOT_EXPIRE",
      );
    }
    return { expirationModel: chosen };
  }
  if (validTo === undefined) {
    throw new KmsError("ValidationException", "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES");
  }
  const at = validTo.getTime();
  if (!Number.isFinite(at) || at <= now) throw new KmsError("ValidationException", "ValidTo must be in the future");
  if (at > now + MAX_VALID_TO_MS) {
    throw new KmsError("ValidationException", "ValidTo must be no more than 365 days from the current date");
  }
  return { expirationModel: chosen, validTo: at };
}

export interface ImportRequest {
  readonly materialId: string;
  /** As given in the request; undefined picks AWS's default. */
  readonly importType: ImportType | undefined;
  readonly expiration: ExpirationChoice;
  readonly description: string | undefined;
}

export interface ImportOutcome {
  readonly key: KeyRecord;
  /** The material must be (re)stored: it was not in Trent before this import. */
  readonly storeMaterial: boolean;
}

function arnOf(key: KeyRecord): string {
  return keyArn(key.region, key.accountId, key.keyId);
}

function incorrectMaterial(key: KeyRecord): KmsError {
  return new KmsError(
    "IncorrectKeyMaterialException",
    `The key material in the request is not the key material previously imported into ${arnOf(key)}.`,
  );
}

function importedEntry(prev: ImportedMaterial, req: ImportRequest): ImportedMaterial {
  const { expirationModel: _m, validTo: _v, description: oldDescription, ...rest } = prev;
  // Without a description the one of the last import of the same material stays (AWS).
  const description = req.description ?? oldDescription;
  return {
    ...rest,
    imported: true,
    expirationModel: req.expiration.expirationModel,
    ...(req.expiration.validTo !== undefined ? { validTo: req.expiration.validTo } : {}),
    ...(description !== undefined ? { description } : {}),
  };
}

/**
 * What importing material `req.materialId` does to `key` (origin EXTERNAL, state already checked).
 * Throws IncorrectKeyMaterialException for material the key cannot take.
 */
export function applyImport(key: KeyRecord, req: ImportRequest): ImportOutcome {
  const materials = key.importedMaterials ?? [];
  const importType = req.importType ?? (materials.length === 0 ? "NEW_KEY_MATERIAL" : "EXISTING_KEY_MATERIAL");
  const index = materials.findIndex((m) => m.materialId === req.materialId);
  let next: ImportedMaterial[];
  let storeMaterial: boolean;
  if (importType === "EXISTING_KEY_MATERIAL") {
    const prev = materials[index];
    if (prev === undefined) throw incorrectMaterial(key);
    storeMaterial = !prev.imported;
    next = materials.map((m, i) => (i === index ? importedEntry(prev, req) : m));
  } else {
    if (index >= 0) {
      throw new KmsError(
        "IncorrectKeyMaterialException",
        `The key material in the request is already associated with ${arnOf(key)}: import it with ImportType EXISTING_KEY_MATERIAL.`,
      );
    }
    if (materials.length > 0 && key.keySpec !== "SYMMETRIC_DEFAULT") throw incorrectMaterial(key);
    if (materials.some((m) => m.state === "PENDING_ROTATION")) {
      throw new KmsError(
        "KMSInvalidStateException",
        `${arnOf(key)} already has key material in PENDING_ROTATION state: rotate to it or delete it first.`,
      );
    }
    const fresh: ImportedMaterial = { materialId: req.materialId, state: materials.length === 0 ? "CURRENT" : "PENDING_ROTATION", imported: false };
    next = [...materials, importedEntry(fresh, req)];
    storeMaterial = true;
  }
  let updated = withImportedMaterials(key, next);
  if (updated.keyState === "PendingImport" && importsComplete(next)) updated = { ...updated, keyState: "Enabled" };
  return { key: updated, storeMaterial };
}

export interface RemovalOutcome {
  readonly key: KeyRecord;
  /** Material ids whose stored (wrapped) material must be removed. */
  readonly removed: readonly string[];
}

/** Takes the listed materials out of Trent: permanent ones become PENDING_IMPORT, pending ones go away. */
function removeMaterials(key: KeyRecord, ids: ReadonlySet<string>): RemovalOutcome {
  const materials = key.importedMaterials ?? [];
  const removed: string[] = [];
  const next: ImportedMaterial[] = [];
  let lostPermanent = false;
  for (const m of materials) {
    if (!ids.has(m.materialId) || !m.imported) {
      next.push(m);
      continue;
    }
    removed.push(m.materialId);
    if (!isPermanent(m)) continue;
    lostPermanent = true;
    const { expirationModel: _m, validTo: _v, ...rest } = m;
    next.push({ ...rest, imported: false });
  }
  let updated = withImportedMaterials(key, next);
  if (lostPermanent && (updated.keyState === "Enabled" || updated.keyState === "Disabled")) {
    updated = { ...updated, keyState: "PendingImport" };
  }
  return { key: updated, removed };
}

/**
 * DeleteImportedKeyMaterial: the named material, or the current one. Deleting material that is
 * already deleted changes nothing. A material id the key never had is NotFoundException.
 */
export function applyDelete(key: KeyRecord, materialId: string | undefined): RemovalOutcome & { readonly materialId?: string } {
  const materials = key.importedMaterials ?? [];
  const id = materialId ?? materials.find((m) => m.state === "CURRENT")?.materialId;
  if (id === undefined) return { key, removed: [] };
  if (!materials.some((m) => m.materialId === id)) {
    throw new KmsError("NotFoundException", `Key material ${id} is not associated with ${arnOf(key)}.`);
  }
  return { ...removeMaterials(key, new Set([id])), materialId: id };
}

/** Materials whose ValidTo has passed at `now` are deleted, as AWS does when imported material expires. */
export function applyExpiry(key: KeyRecord, now: number): RemovalOutcome {
  const due = new Set(
    (key.importedMaterials ?? [])
      .filter((m) => m.imported && m.expirationModel === "KEY_MATERIAL_EXPIRES" && m.validTo !== undefined && m.validTo <= now)
      .map((m) => m.materialId),
  );
  return removeMaterials(key, due);
}

/**
 * RotateKeyOnDemand on a symmetric key with imported material: the imported PENDING_ROTATION
 * material becomes CURRENT and the current one NON_CURRENT. Without one, KMSInvalidStateException.
 */
export function applyImportedRotation(key: KeyRecord, now: number): KeyRecord {
  const materials = key.importedMaterials ?? [];
  const pending = materials.find((m) => m.state === "PENDING_ROTATION" && m.imported);
  if (pending === undefined) {
    throw new KmsError(
      "KMSInvalidStateException",
      `${arnOf(key)} has no imported key material in PENDING_ROTATION state: import new key material first.`,
    );
  }
  const next = materials.map((m): ImportedMaterial => {
    if (m === pending) return { ...m, state: "CURRENT", rotatedAt: now };
    if (m.state === "CURRENT") return { ...m, state: "NON_CURRENT" };
    return m;
  });
  return withImportedMaterials(key, next);
}
