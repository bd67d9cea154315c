import { verifyMac as hmacVerify, type MacAlgorithm } from "../crypto/hmac.js";
import type { VerifyMacRequest, VerifyMacResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { macAlgorithmFor } from "./support/algorithm.js";
import { messageBytes } from "./support/asymmetric.js";
import { useKey } from "./support/use-key.js";

/**
 * VerifyMac: recomputes the HMAC and compares in constant time. A MAC that does not match is
 * KMSInvalidMacException with an empty message, as AWS answers.
 */
export async function verifyMac(ctx: OpContext, input: VerifyMacRequest): Promise<VerifyMacResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "VerifyMac",
    action: "kms:VerifyMac",
    allowAlias: true,
    usage: "GENERATE_VERIFY_MAC",
    conditions: { "kms:MacAlgorithm": input.MacAlgorithm },
  });
  try {
    const algorithm = macAlgorithmFor(key, input.MacAlgorithm) as MacAlgorithm;
    if (input.DryRun === true) dryRunSucceeded();
    const { secret } = await ctx.materials.current(key);
    if (!hmacVerify(algorithm, secret, messageBytes(input.Message), input.Mac)) {
      throw new KmsError("KMSInvalidMacException", "");
    }
    return { KeyId: keyArn(key.region, key.accountId, key.keyId), MacValid: true, MacAlgorithm: input.MacAlgorithm };
  } finally {
    input.Message.dispose();
  }
}
