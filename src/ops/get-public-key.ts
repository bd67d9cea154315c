import type { GetPublicKeyRequest, GetPublicKeyResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import { legacyCustomerMasterKeySpec } from "../domain/key-metadata.js";
import { algorithmsFor, isAsymmetricKeySpec } from "../domain/key-spec.js";
import type { OpContext } from "./context.js";
import { useKey } from "./support/use-key.js";

/**
 * The public key of an asymmetric KMS key (DER SubjectPublicKeyInfo) and what it may be used
 * for, so that it can be used safely outside KMS. Symmetric and HMAC keys have no public key.
 */
export async function getPublicKey(ctx: OpContext, input: GetPublicKeyRequest): Promise<GetPublicKeyResponse> {
  const key = await useKey(ctx, input.KeyId, { operation: "GetPublicKey", action: "kms:GetPublicKey", allowAlias: true });
  const arn = keyArn(key.region, key.accountId, key.keyId);
  if (!isAsymmetricKeySpec(key.keySpec)) {
    throw new KmsError("UnsupportedOperationException", `${arn} key spec ${key.keySpec} does not support GetPublicKey.`);
  }
  const publicKey = await ctx.materials.publicKey(key);
  const cmkSpec = legacyCustomerMasterKeySpec(key.keySpec);
  return {
    KeyId: arn,
    PublicKey: publicKey,
    ...(cmkSpec !== undefined ? { CustomerMasterKeySpec: cmkSpec as NonNullable<GetPublicKeyResponse["CustomerMasterKeySpec"]> } : {}),
    KeySpec: key.keySpec as NonNullable<GetPublicKeyResponse["KeySpec"]>,
    KeyUsage: key.keyUsage,
    ...(algorithmsFor(key.keySpec, key.keyUsage) as Pick<
      GetPublicKeyResponse,
      "EncryptionAlgorithms" | "SigningAlgorithms" | "KeyAgreementAlgorithms" | "EncapsulationAlgorithms"
    >),
  };
}
