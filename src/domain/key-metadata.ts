import type { KeyMetadata } from "../generated/kms-types.js";
import { keyArn } from "./arn.js";
import type { KeyRecord } from "./key-record.js";
import { algorithmsFor } from "./key-spec.js";

/**
 * Specs that also existed under the deprecated CustomerMasterKeySpec name: the model's
 * CustomerMasterKeySpec enum. ECC_NIST_EDWARDS25519, ML_DSA_* and ML_KEM_* came later and have none.
 */
const LEGACY_SPECS = new Set([
  "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
  "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2",
]);

/** The CustomerMasterKeySpec AWS reports beside KeySpec (KeyMetadata, GetPublicKey), if the spec has one. */
export function legacyCustomerMasterKeySpec(spec: string): string | undefined {
  return LEGACY_SPECS.has(spec) ? spec : undefined;
}

/**
 * KeyMetadata as DescribeKey, CreateKey and friends return it. A key in a custom key store also
 * shows the cluster of its store (`cloudHsmClusterId`, read by the caller).
 */
export function toKeyMetadata(key: KeyRecord, store?: { readonly cloudHsmClusterId: string; readonly type?: string }): KeyMetadata {
  const md: Record<string, unknown> = {
    AWSAccountId: key.accountId,
    KeyId: key.keyId,
    Arn: keyArn(key.region, key.accountId, key.keyId),
    CreationDate: new Date(key.createdAt),
    Enabled: key.keyState === "Enabled",
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.keyState,
  };
  if (key.keyState === "PendingDeletion" && key.deletionDate !== undefined) {
    md["DeletionDate"] = new Date(key.deletionDate);
  }
  if (key.validTo !== undefined && key.expirationModel === "KEY_MATERIAL_EXPIRES") md["ValidTo"] = new Date(key.validTo);
  md["Origin"] = key.origin;
  if (key.customKeyStoreId !== undefined) md["CustomKeyStoreId"] = key.customKeyStoreId;
  if (store !== undefined && store.type !== "EXTERNAL_KEY_STORE") md["CloudHsmClusterId"] = store.cloudHsmClusterId;
  if (key.xksKeyId !== undefined) md["XksKeyConfiguration"] = { Id: key.xksKeyId };
  if (key.origin === "EXTERNAL" && key.expirationModel !== undefined) md["ExpirationModel"] = key.expirationModel;
  md["KeyManager"] = "CUSTOMER";
  if (LEGACY_SPECS.has(key.keySpec)) md["CustomerMasterKeySpec"] = key.keySpec;
  md["KeySpec"] = key.keySpec;
  Object.assign(md, algorithmsFor(key.keySpec, key.keyUsage));
  md["MultiRegion"] = false;
  if (key.keyState === "PendingDeletion" && key.pendingWindowDays !== undefined) {
    md["PendingDeletionWindowInDays"] = key.pendingWindowDays;
  }
  // AWS: present for symmetric keys of origin AWS_KMS or EXTERNAL (not for keys in custom key stores).
  if (key.currentMaterialId !== undefined && key.keySpec === "SYMMETRIC_DEFAULT" && key.customKeyStoreId === undefined) {
    md["CurrentKeyMaterialId"] = key.currentMaterialId;
  }
  return md as unknown as KeyMetadata;
}
