import { verify as verifySignature } from "../crypto/asymmetric/index.js";
import type { VerifyRequest, VerifyResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { withCryptoErrors } from "./support/asymmetric.js";
import { withSigningInput } from "./support/signing.js";

/**
 * Verify: checks a signature against the public key of a SIGN_VERIFY key. A signature that does
 * not verify is KMSInvalidSignatureException with an empty message, as AWS answers; a valid one
 * gives SignatureValid true.
 */
export async function verify(ctx: OpContext, input: VerifyRequest): Promise<VerifyResponse> {
  return withSigningInput(ctx, input, "Verify", async ({ key, spec, algorithm, messageType, message }) => {
    const publicKey = await ctx.materials.publicKey(key);
    const valid = withCryptoErrors(() => verifySignature(spec, algorithm, messageType, message, input.Signature, publicKey));
    if (!valid) throw new KmsError("KMSInvalidSignatureException", "");
    return { KeyId: keyArn(key.region, key.accountId, key.keyId), SignatureValid: true, SigningAlgorithm: input.SigningAlgorithm };
  });
}
