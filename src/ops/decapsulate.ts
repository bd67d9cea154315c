import { mlKemDecapsulate, type MlKemKeySpec } from "../crypto/asymmetric/index.js";
import type { DecapsulateRequest, DecapsulateResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { withCryptoErrors } from "./support/asymmetric.js";
import { useKey } from "./support/use-key.js";

/**
 * Decapsulate: the shared secret of an ML-KEM ciphertext, recovered with the private key of an
 * ENCAPSULATE_DECAPSULATE key. As AWS documents, only a ciphertext whose length does not fit the
 * key spec is refused (InvalidCiphertextException); any other gives 32 bytes, which for a wrong
 * or altered ciphertext is ML-KEM's implicit-rejection value (the parties must confirm the secret).
 */
export async function decapsulate(ctx: OpContext, input: DecapsulateRequest): Promise<DecapsulateResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "Decapsulate",
    action: "kms:Decapsulate",
    allowAlias: true,
    usage: "ENCAPSULATE_DECAPSULATE",
  });
  const { secret } = await ctx.materials.current(key);
  const shared = withCryptoErrors(() => mlKemDecapsulate(key.keySpec as MlKemKeySpec, secret, input.SharedSecretCiphertextBlob));
  if (input.DryRun === true) {
    shared.dispose();
    dryRunSucceeded();
  }
  return {
    KeyId: keyArn(key.region, key.accountId, key.keyId),
    SharedSecret: shared,
    EncapsulationAlgorithm: input.EncapsulationAlgorithm,
  };
}
