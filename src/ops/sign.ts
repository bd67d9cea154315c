import { sign as signMessage } from "../crypto/asymmetric/index.js";
import type { SignRequest, SignResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import type { OpContext } from "./context.js";
import { withCryptoErrors } from "./support/asymmetric.js";
import { withSigningInput } from "./support/signing.js";

/**
 * Sign: a signature of a message (RAW, at most 4096 bytes), of a digest (DIGEST, exactly the
 * algorithm's hash length) or of an ML-DSA mu (EXTERNAL_MU), with the private key of a
 * SIGN_VERIFY key.
 */
export async function sign(ctx: OpContext, input: SignRequest): Promise<SignResponse> {
  return withSigningInput(ctx, input, "Sign", async ({ key, spec, algorithm, messageType, message }) => {
    const { secret } = await ctx.materials.current(key);
    const signature = withCryptoErrors(() => signMessage(spec, algorithm, messageType, message, secret));
    return { KeyId: keyArn(key.region, key.accountId, key.keyId), Signature: signature, SigningAlgorithm: input.SigningAlgorithm };
  });
}
