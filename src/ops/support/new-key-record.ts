import type { CreateKeyRequest } from "../../generated/kms-types.js";
import type { KeyRecord } from "../../domain/key-record.js";
import type { OpContext } from "../context.js";
import type { HsmKeyParameters } from "./create-hsm-key.js";

/** AWS's default for automatic rotation (EnableKeyRotation without RotationPeriodInDays). */
export const DEFAULT_ROTATION_DAYS = 365;

/**
 * The record CreateKey makes for a new key of the caller's account and region: Enabled (or as
 * `fields` says), rotation off, revision 0, with the given origin and material and, for a key in
 * a custom key store, the store (and external key).
 */
export function newKeyRecord(
  ctx: OpContext,
  input: Pick<CreateKeyRequest, "Description">,
  p: Omit<HsmKeyParameters, "origin"> & { readonly origin: KeyRecord["origin"] },
  fields: Pick<KeyRecord, "keyId" | "createdAt"> & Partial<Pick<KeyRecord, "keyState" | "currentMaterialId" | "customKeyStoreId" | "xksKeyId">>,
): KeyRecord {
  return {
    keyId: fields.keyId,
    accountId: ctx.caller.accountId,
    region: ctx.caller.region,
    createdAt: fields.createdAt,
    description: input.Description ?? "",
    keyUsage: p.usage,
    keySpec: p.spec,
    origin: p.origin,
    keyState: fields.keyState ?? "Enabled",
    policy: p.policy,
    tags: p.tags,
    rotation: { enabled: false, periodDays: DEFAULT_ROTATION_DAYS, onDemandCount: 0 },
    ...(fields.currentMaterialId !== undefined ? { currentMaterialId: fields.currentMaterialId } : {}),
    ...(fields.customKeyStoreId !== undefined ? { customKeyStoreId: fields.customKeyStoreId } : {}),
    ...(fields.xksKeyId !== undefined ? { xksKeyId: fields.xksKeyId } : {}),
    revision: 0,
  };
}
