import { deriveSharedSecret as ecdh, type KeyAgreementKeySpec } from "../crypto/asymmetric/index.js";
import type { DeriveSharedSecretRequest, DeriveSharedSecretResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { withCryptoErrors } from "./support/asymmetric.js";
import { useKey } from "./support/use-key.js";

/**
 * DeriveSharedSecret: ECDH between the private key of a KEY_AGREEMENT key and a peer's public
 * key (DER SubjectPublicKeyInfo on the same curve). The raw shared secret (the x-coordinate) is
 * returned, as AWS does.
 */
export async function deriveSharedSecret(ctx: OpContext, input: DeriveSharedSecretRequest): Promise<DeriveSharedSecretResponse> {
  if (input.Recipient !== undefined) {
    throw new KmsError("UnsupportedOperationException", "Recipient (Nitro Enclaves attestation) is not supported.");
  }
  const key = await useKey(ctx, input.KeyId, {
    operation: "DeriveSharedSecret",
    action: "kms:DeriveSharedSecret",
    allowAlias: true,
    usage: "KEY_AGREEMENT",
    conditions: { "kms:KeyAgreementAlgorithm": input.KeyAgreementAlgorithm },
  });
  const { secret } = await ctx.materials.current(key);
  const shared = withCryptoErrors(() =>
    ecdh(key.keySpec as KeyAgreementKeySpec, input.KeyAgreementAlgorithm, secret, Buffer.from(input.PublicKey)),
  );
  if (input.DryRun === true) {
    // The peer public key has been checked (a bad one fails above); nothing is returned.
    shared.dispose();
    dryRunSucceeded();
  }
  return {
    KeyId: keyArn(key.region, key.accountId, key.keyId),
    SharedSecret: shared,
    KeyAgreementAlgorithm: input.KeyAgreementAlgorithm,
    KeyOrigin: key.origin,
  };
}
