import { mlKemEncapsulate, type MlKemKeySpec } from "../crypto/asymmetric/index.js";
import type { EncapsulateRequest, EncapsulateResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { withCryptoErrors } from "./support/asymmetric.js";
import { useKey } from "./support/use-key.js";

/**
 * Encapsulate: a fresh 32-byte shared secret and its ML-KEM ciphertext, made with the public key
 * of an ENCAPSULATE_DECAPSULATE key (ML_KEM_512/768/1024). Anyone with GetPublicKey's key can do
 * the same offline; Decapsulate recovers the secret from the ciphertext with the private key.
 */
export async function encapsulate(ctx: OpContext, input: EncapsulateRequest): Promise<EncapsulateResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "Encapsulate",
    action: "kms:Encapsulate",
    allowAlias: true,
    usage: "ENCAPSULATE_DECAPSULATE",
  });
  const publicKey = await ctx.materials.publicKey(key);
  if (input.DryRun === true) dryRunSucceeded();
  const { sharedSecret, ciphertext } = withCryptoErrors(() => mlKemEncapsulate(key.keySpec as MlKemKeySpec, publicKey));
  return {
    KeyId: keyArn(key.region, key.accountId, key.keyId),
    SharedSecret: sharedSecret,
    SharedSecretCiphertextBlob: ciphertext,
    EncapsulationAlgorithm: input.EncapsulationAlgorithm,
  };
}
