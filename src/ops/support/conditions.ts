import type { EncryptionContext } from "../../crypto/encryption-context.js";
import type { ConditionValue } from "../../policy/authorizer.js";

/** kms:EncryptionContext:<key> and kms:EncryptionContextKeys condition keys of a request. */
export function encryptionContextConditions(ec: EncryptionContext | undefined): Record<string, ConditionValue> {
  const out: Record<string, ConditionValue> = {};
  const keys = ec === undefined ? [] : Object.keys(ec);
  for (const k of keys) out[`kms:EncryptionContext:${k}`] = ec?.[k] ?? "";
  out["kms:EncryptionContextKeys"] = keys;
  return out;
}

/**
 * The condition keys of a request that uses an encryption KMS key: its encryption context and
 * kms:EncryptionAlgorithm, SYMMETRIC_DEFAULT when the request names none (KMS developer guide,
 * "AWS KMS condition keys": a condition on a request parameter works when the parameter is
 * absent and its default value applies; GenerateDataKey* always use SYMMETRIC_DEFAULT).
 */
export function encryptionConditions(ec: EncryptionContext | undefined, algorithm: string | undefined): Record<string, ConditionValue> {
  const out = encryptionContextConditions(ec);
  out["kms:EncryptionAlgorithm"] = algorithm ?? "SYMMETRIC_DEFAULT";
  return out;
}
