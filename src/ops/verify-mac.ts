import { verifyMac as hmacVerify } from "../crypto/hmac.js";
import type { VerifyMacRequest, VerifyMacResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { messageBytes } from "./support/asymmetric.js";
import { withMacKey } from "./support/mac.js";

/**
 * VerifyMac: recomputes the HMAC and compares in constant time. A MAC that does not match is
 * KMSInvalidMacException with an empty message, as AWS answers.
 */
export async function verifyMac(ctx: OpContext, input: VerifyMacRequest): Promise<VerifyMacResponse> {
  return withMacKey(ctx, input, "VerifyMac", (key, algorithm, secret) => {
    if (!hmacVerify(algorithm, secret, messageBytes(input.Message), input.Mac)) {
      throw new KmsError("KMSInvalidMacException", "");
    }
    return { KeyId: keyArn(key.region, key.accountId, key.keyId), MacValid: true, MacAlgorithm: input.MacAlgorithm };
  });
}
