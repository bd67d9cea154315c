import type { PrincipalIdentity } from "./request-context.js";

/**
 * Grants as the authorizer sees them. A grant allows its grantee principal the listed operations
 * on its key; it can allow, never deny (KMS developer guide, "Grants in AWS KMS").
 *
 * Constraints (KMS API reference, GrantConstraints): they apply only to cryptographic operations
 * that take an encryption context (operations with a symmetric encryption key); they are ignored
 * for DescribeKey, RetireGrant, CreateGrant, asymmetric and HMAC operations. In a constraint the
 * encryption context key is not case-sensitive, the value is.
 */
export interface GrantLike {
  readonly grantId: string;
  readonly name?: string;
  /** A user, role, assumed-role or account-root ARN. */
  readonly granteePrincipal: string;
  /** Grant operations, e.g. "Decrypt", "ReEncryptFrom", "GenerateDataKey". */
  readonly operations: readonly string[];
  /** Field names as in the KMS API (GrantConstraints), so that a stored GrantRecord is a GrantLike. */
  readonly constraints?: {
    readonly EncryptionContextSubset?: Readonly<Record<string, string>>;
    readonly EncryptionContextEquals?: Readonly<Record<string, string>>;
  };
}

/** Grant operations whose requests carry an encryption context. */
const EC_OPERATIONS = new Set([
  "Encrypt",
  "Decrypt",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
  "ReEncryptFrom",
  "ReEncryptTo",
]);

export type GranteeMatch = "direct" | "account" | "none";

const ROOT = /^arn:[^:]+:iam::(\d{12}):root$/;
const ROLE = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/** How a grant's grantee names the caller; an account grantee delegates to IAM policies. */
export function matchGrantee(grantee: string, who: PrincipalIdentity): GranteeMatch {
  if (grantee === who.arn || grantee === who.principalArn) return "direct";
  const root = ROOT.exec(grantee);
  if (root !== null) {
    if (root[1] !== who.accountId) return "none";
    return who.isRoot ? "direct" : "account";
  }
  const role = ROLE.exec(grantee);
  if (role !== null && who.role !== undefined && who.arn !== who.principalArn) {
    return role[1] === who.role.accountId && role[2] === who.role.name ? "direct" : "none";
  }
  return "none";
}

function lowerKeys(ec: Readonly<Record<string, string>>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of Object.entries(ec)) m.set(k.toLowerCase(), v);
  return m;
}

function isSubset(constraint: Readonly<Record<string, string>>, request: Map<string, string>): boolean {
  for (const [k, v] of Object.entries(constraint)) if (request.get(k.toLowerCase()) !== v) return false;
  return true;
}

export type ConstraintCheck = { readonly ok: true; readonly note?: string } | { readonly ok: false; readonly reason: string };

/** Checks a grant's constraints for one request. */
export function checkGrantConstraints(
  grant: GrantLike,
  operation: string,
  symmetricKey: boolean,
  encryptionContext: Readonly<Record<string, string>>,
): ConstraintCheck {
  const c = grant.constraints;
  const subset = c?.EncryptionContextSubset;
  const equals = c?.EncryptionContextEquals;
  if (subset === undefined && equals === undefined) return { ok: true };
  if (!EC_OPERATIONS.has(operation) || !symmetricKey) return { ok: true, note: `constraints do not apply to ${operation}` };
  const req = lowerKeys(encryptionContext);
  if (equals !== undefined && !(Object.keys(equals).length === req.size && isSubset(equals, req))) {
    return { ok: false, reason: `the encryption context is not equal to the EncryptionContextEquals constraint` };
  }
  if (subset !== undefined && !isSubset(subset, req)) {
    return { ok: false, reason: `the encryption context does not include the EncryptionContextSubset constraint` };
  }
  return { ok: true };
}
