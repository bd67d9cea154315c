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
