import { checkSigningInput, verify as verifySignature, type MessageType, type SigningAlgorithm } from "../crypto/asymmetric/index.js";
import type { VerifyRequest, VerifyResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { asymmetricSpec, messageBytes, withCryptoErrors } from "./support/asymmetric.js";
import { useKey } from "./support/use-key.js";

/**
 * Verify: checks a signature against the public key of a SIGN_VERIFY key. A signature that does
 * not verify is KMSInvalidSignatureException with an empty message, as AWS answers; a valid one
 * gives SignatureValid true.
 */
export async function verify(ctx: OpContext, input: VerifyRequest): Promise<VerifyResponse> {
  const messageType: MessageType = input.MessageType ?? "RAW";
  const key = await useKey(ctx, input.KeyId, {
    operation: "Verify",
    action: "kms:Verify",
    allowAlias: true,
    usage: "SIGN_VERIFY",
    conditions: { "kms:SigningAlgorithm": input.SigningAlgorithm, "kms:MessageType": messageType },
  });
  const spec = asymmetricSpec(key);
  const algorithm = input.SigningAlgorithm as SigningAlgorithm;
  try {
    const message = messageBytes(input.Message);
    withCryptoErrors(() => checkSigningInput(spec, algorithm, messageType, message));
    if (input.DryRun === true) dryRunSucceeded();
    const publicKey = await ctx.materials.publicKey(key);
    const valid = withCryptoErrors(() => verifySignature(spec, algorithm, messageType, message, input.Signature, publicKey));
    if (!valid) throw new KmsError("KMSInvalidSignatureException", "");
    return { KeyId: keyArn(key.region, key.accountId, key.keyId), SignatureValid: true, SigningAlgorithm: input.SigningAlgorithm };
  } finally {
    input.Message.dispose();
  }
}
