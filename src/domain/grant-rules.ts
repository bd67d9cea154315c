import { keyArn } from "./arn.js";
import { KmsError } from "./errors.js";
import type { GrantConstraints, GrantRecord } from "./grant-record.js";
import type { KeyRecord } from "./key-record.js";

/**
 * AWS's rules for grants, pure (KMS API reference, CreateGrant and GrantConstraints; KMS developer
 * guide, "Grants in AWS KMS", "Key type reference", "Resource quotas").
 */

/** Resource quota: grants per KMS key. */
export const MAX_GRANTS_PER_KEY = 50_000;
/** Each constraint may hold up to 8 encryption context pairs, values up to 384 characters. */
export const MAX_CONSTRAINT_PAIRS = 8;
export const MAX_CONSTRAINT_VALUE_CHARS = 384;

const ALWAYS = ["DescribeKey", "CreateGrant", "RetireGrant"] as const;

/** Grant operations that take an encryption context (on a symmetric encryption key). */
export const ENCRYPTION_CONTEXT_OPERATIONS: ReadonlySet<string> = new Set([
  "Encrypt",
  "Decrypt",
  "ReEncryptFrom",
  "ReEncryptTo",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
]);

/**
 * The grant operations a key supports: the operations its key type supports (key type table),
 * plus DescribeKey, CreateGrant and RetireGrant for every key.
 * - symmetric encryption: Encrypt, Decrypt, ReEncryptFrom/To, GenerateDataKey(WithoutPlaintext),
 *   GenerateDataKeyPair(WithoutPlaintext);
 * - asymmetric ENCRYPT_DECRYPT (RSA, SM2): Encrypt, Decrypt, ReEncryptFrom/To, GetPublicKey;
 * - SIGN_VERIFY: Sign, Verify, GetPublicKey;
 * - HMAC (GENERATE_VERIFY_MAC): GenerateMac, VerifyMac;
 * - KEY_AGREEMENT: DeriveSharedSecret, GetPublicKey;
 * - ENCAPSULATE_DECAPSULATE (ML-KEM): Encapsulate, Decapsulate, GetPublicKey.
 */
export function grantOperationsFor(key: Pick<KeyRecord, "keySpec" | "keyUsage">): ReadonlySet<string> {
  const ops: string[] = [...ALWAYS];
  switch (key.keyUsage) {
    case "ENCRYPT_DECRYPT":
      ops.push("Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo");
      if (key.keySpec === "SYMMETRIC_DEFAULT") {
        ops.push("GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext");
      } else ops.push("GetPublicKey");
      break;
    case "SIGN_VERIFY":
      ops.push("Sign", "Verify", "GetPublicKey");
      break;
    case "GENERATE_VERIFY_MAC":
      ops.push("GenerateMac", "VerifyMac");
      break;
    case "KEY_AGREEMENT":
      ops.push("DeriveSharedSecret", "GetPublicKey");
      break;
    case "ENCAPSULATE_DECAPSULATE":
      ops.push("Encapsulate", "Decapsulate", "GetPublicKey");
      break;
  }
  return new Set(ops);
}

/**
 * Checks CreateGrant's Operations and Constraints against the key. AWS answers a grant for an
 * operation the key does not support with a validation error (CreateGrant, "Operations").
 * Encryption context constraints are allowed only when every operation either takes an
 * encryption context or is DescribeKey, CreateGrant or RetireGrant (to which they do not apply);
 * they cannot be used with asymmetric or HMAC keys.
 */
export function checkGrantRequest(key: KeyRecord, operations: readonly string[], constraints: GrantConstraints | undefined): void {
  const arn = keyArn(key.region, key.accountId, key.keyId);
  if (operations.length === 0) {
    throw new KmsError("ValidationException", "1 validation error detected: Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1");
  }
  const allowed = grantOperationsFor(key);
  const bad = [...new Set(operations.filter((o) => !allowed.has(o)))];
  if (bad.length > 0) {
    throw new KmsError(
      "ValidationException",
      `Grant operations [${bad.join(", ")}] are not supported for ${arn} (key spec ${key.keySpec}, key usage ${key.keyUsage}).`,
    );
  }
  if (constraints === undefined) return;
  for (const [name, ec] of Object.entries(constraints) as [string, Readonly<Record<string, string>> | undefined][]) {
    if (ec === undefined) continue;
    const pairs = Object.entries(ec);
    if (pairs.length > MAX_CONSTRAINT_PAIRS) {
      throw new KmsError("ValidationException", `${name} can include up to ${MAX_CONSTRAINT_PAIRS} encryption context pairs.`);
    }
    if (pairs.some(([, v]) => v.length > MAX_CONSTRAINT_VALUE_CHARS)) {
      throw new KmsError("ValidationException", `An encryption context value in ${name} cannot exceed ${MAX_CONSTRAINT_VALUE_CHARS} characters.`);
    }
  }
  const symmetric = key.keySpec === "SYMMETRIC_DEFAULT";
  const unconstrainable = operations.filter((o) => !(ALWAYS as readonly string[]).includes(o) && !(symmetric && ENCRYPTION_CONTEXT_OPERATIONS.has(o)));
  if (unconstrainable.length > 0) {
    throw new KmsError(
      "ValidationException",
      `Grant constraints are supported only for operations that take an encryption context on a symmetric encryption KMS key, not for [${[...new Set(unconstrainable)].join(", ")}].`,
    );
  }
}

function sameMap(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}

/** What makes two CreateGrant requests with one Name "identical parameters" (the original grant is returned). */
export interface GrantParameters {
  readonly granteePrincipal: string;
  readonly retiringPrincipal?: string;
  readonly operations: readonly string[];
  readonly constraints?: GrantConstraints;
  readonly issuingAccount: string;
}

export function sameGrantParameters(g: GrantRecord, p: GrantParameters): boolean {
  const ops = new Set(g.operations);
  return (
    g.granteePrincipal === p.granteePrincipal &&
    g.retiringPrincipal === p.retiringPrincipal &&
    g.issuingAccount === p.issuingAccount &&
    ops.size === new Set(p.operations).size &&
    p.operations.every((o) => ops.has(o)) &&
    sameMap(g.constraints?.EncryptionContextEquals, p.constraints?.EncryptionContextEquals) &&
    sameMap(g.constraints?.EncryptionContextSubset, p.constraints?.EncryptionContextSubset)
  );
}

function includesPairs(outer: Readonly<Record<string, string>>, inner: Readonly<Record<string, string>>): boolean {
  const lower = new Map(Object.entries(outer).map(([k, v]) => [k.toLowerCase(), v]));
  return Object.entries(inner).every(([k, v]) => lower.get(k.toLowerCase()) === v);
}

/**
 * A grantee that got CreateGrant from a grant may create grants only within it: operations the
 * parent grant allows, and an encryption context constraint equally strict or stricter
 * (CreateGrant, "Constraints": "the constraint requires that any grants created with the
 * CreateGrant permission have an equally strict or stricter encryption context constraint").
 * Stricter: the parent's EncryptionContextEquals is the child's EncryptionContextEquals; the
 * parent's EncryptionContextSubset pairs are all in the child's Subset or Equals.
 */
export function withinParentGrant(
  parent: { readonly operations: readonly string[]; readonly constraints?: GrantConstraints },
  child: { readonly operations: readonly string[]; readonly constraints?: GrantConstraints },
): string | undefined {
  const extra = child.operations.filter((o) => !parent.operations.includes(o));
  if (extra.length > 0) return `the parent grant does not allow [${[...new Set(extra)].join(", ")}]`;
  const pe = parent.constraints?.EncryptionContextEquals;
  const ps = parent.constraints?.EncryptionContextSubset;
  const ce = child.constraints?.EncryptionContextEquals;
  const cs = child.constraints?.EncryptionContextSubset;
  if (pe !== undefined && !(ce !== undefined && sameMap(pe, ce))) return "the parent grant's EncryptionContextEquals constraint is not kept";
  if (ps !== undefined && !((cs !== undefined && includesPairs(cs, ps)) || (ce !== undefined && includesPairs(ce, ps)))) {
    return "the parent grant's EncryptionContextSubset constraint is not kept";
  }
  return undefined;
}

/** GrantId: 64 hexadecimal characters (CreateGrant makes them; AWS's are the same shape). */
export const GRANT_ID = /^[0-9a-f]{64}$/;

/** A grantee or retiring principal as CreateGrant accepts it (an IAM or STS principal ARN). */
export type GrantPrincipal =
  | { readonly kind: "account"; readonly accountId: string; readonly arn: string }
  | { readonly kind: "user" | "role"; readonly accountId: string; readonly arn: string }
  | { readonly kind: "assumed-role"; readonly accountId: string; readonly arn: string; readonly roleArn: string }
  | { readonly kind: "federated-user"; readonly accountId: string; readonly arn: string };

const PRINCIPAL = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(.+)$/;
const NAME = /^[\w+=,.@-]{1,128}$/;

/**
 * Reads a principal ARN: an account (`arn:aws:iam::111122223333:root`), an IAM user or role, an
 * assumed-role session or a federated user. Undefined when it is none of these.
 */
export function parseGrantPrincipal(arn: string): GrantPrincipal | undefined {
  const m = PRINCIPAL.exec(arn);
  if (m === null) return undefined;
  const [, partition = "", service = "", accountId = "", resource = ""] = m;
  const parts = resource.split("/");
  if (service === "iam") {
    if (resource === "root") return { kind: "account", accountId, arn };
    const [kind, ...rest] = parts;
    const name = rest[rest.length - 1] ?? "";
    if ((kind === "user" || kind === "role") && rest.length >= 1 && NAME.test(name)) return { kind, accountId, arn };
    return undefined;
  }
  if (parts[0] === "assumed-role" && parts.length === 3 && NAME.test(parts[1] ?? "") && NAME.test(parts[2] ?? "")) {
    return { kind: "assumed-role", accountId, arn, roleArn: `arn:${partition}:iam::${accountId}:role/${parts[1] ?? ""}` };
  }
  if (parts[0] === "federated-user" && parts.length === 2 && NAME.test(parts[1] ?? "")) return { kind: "federated-user", accountId, arn };
  return undefined;
}
