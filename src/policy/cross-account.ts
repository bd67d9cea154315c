/**
 * Actions a principal may perform on a KMS key in another account: the operations whose API
 * reference says "Cross-account use: Yes" (AWS KMS Smithy model, 2025-04; Encapsulate and
 * Decapsulate from @aws-sdk/client-kms's documentation of those commands). For every other
 * action a key policy or IAM policy naming another account has no effect (KMS developer guide,
 * "Allowing users in other accounts to use a KMS key").
 */
export const CROSS_ACCOUNT_ACTIONS: ReadonlySet<string> = new Set([
  "kms:CreateGrant",
  "kms:Decapsulate",
  "kms:Decrypt",
  "kms:DeriveSharedSecret",
  "kms:DescribeKey",
  "kms:Encapsulate",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyPair",
  "kms:GenerateDataKeyPairWithoutPlaintext",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:GenerateMac",
  "kms:GetKeyRotationStatus",
  "kms:GetPublicKey",
  "kms:ListGrants",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:RetireGrant",
  "kms:RevokeGrant",
  "kms:Sign",
  "kms:Verify",
  "kms:VerifyMac",
]);

export function isCrossAccountAction(action: string): boolean {
  return CROSS_ACCOUNT_ACTIONS.has(action);
}
