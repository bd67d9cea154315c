/** ARNs and identifiers of KMS resources, in AWS's shapes. Pure. */

export const PARTITION = "aws";

export function keyArn(region: string, accountId: string, keyId: string): string {
  return `arn:${PARTITION}:kms:${region}:${accountId}:key/${keyId}`;
}

/** `aliasName` includes the `alias/` prefix. */
export function aliasArn(region: string, accountId: string, aliasName: string): string {
  return `arn:${PARTITION}:kms:${region}:${accountId}:${aliasName}`;
}

export function accountRootArn(accountId: string): string {
  return `arn:${PARTITION}:iam::${accountId}:root`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Multi-Region key ids (`mrk-` + 32 hex) are accepted as identifiers though Trent does not create them. */
const MRK_RE = /^mrk-[0-9a-f]{32}$/;
const KMS_ARN_RE = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):kms:([a-z0-9-]+):(\d{12}):(key\/.+|alias\/.+)$/;

export function isKeyId(s: string): boolean {
  return UUID_RE.test(s) || MRK_RE.test(s);
}

export type KeyIdentifier =
  | { readonly kind: "keyId"; readonly keyId: string }
  | { readonly kind: "keyArn"; readonly region: string; readonly accountId: string; readonly keyId: string }
  | { readonly kind: "aliasName"; readonly aliasName: string }
  | { readonly kind: "aliasArn"; readonly region: string; readonly accountId: string; readonly aliasName: string }
  | { readonly kind: "invalid" };

/** Classifies a KeyId parameter as AWS does: key id, key ARN, alias name or alias ARN. */
export function parseKeyIdentifier(s: string): KeyIdentifier {
  if (s.startsWith("alias/")) return { kind: "aliasName", aliasName: s };
  if (s.startsWith("arn:")) {
    const m = KMS_ARN_RE.exec(s);
    if (m === null) return { kind: "invalid" };
    const [, , region = "", accountId = "", resource = ""] = m;
    if (resource.startsWith("key/")) {
      const keyId = resource.slice(4);
      return isKeyId(keyId) ? { kind: "keyArn", region, accountId, keyId } : { kind: "invalid" };
    }
    return { kind: "aliasArn", region, accountId, aliasName: resource };
  }
  return isKeyId(s) ? { kind: "keyId", keyId: s } : { kind: "invalid" };
}
