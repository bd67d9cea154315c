import { checkSigningInput, sign as signMessage, type MessageType, type SigningAlgorithm } from "../crypto/asymmetric/index.js";
import type { SignRequest, SignResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { asymmetricSpec, messageBytes, withCryptoErrors } from "./support/asymmetric.js";
import { useKey } from "./support/use-key.js";

/**
 * Sign: a signature of a message (RAW, at most 4096 bytes), of a digest (DIGEST, exactly the
 * algorithm's hash length) or of an ML-DSA mu (EXTERNAL_MU), with the private key of a
 * SIGN_VERIFY key.
 */
export async function sign(ctx: OpContext, input: SignRequest): Promise<SignResponse> {
  const messageType: MessageType = input.MessageType ?? "RAW";
  const key = await useKey(ctx, input.KeyId, {
    operation: "Sign",
    action: "kms:Sign",
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
    const { secret } = await ctx.materials.current(key);
    const signature = withCryptoErrors(() => signMessage(spec, algorithm, messageType, message, secret));
    return { KeyId: keyArn(key.region, key.accountId, key.keyId), Signature: signature, SigningAlgorithm: input.SigningAlgorithm };
  } finally {
    input.Message.dispose();
  }
}
