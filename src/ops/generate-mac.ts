import { generateMac as hmac } from "../crypto/hmac.js";
import type { GenerateMacRequest, GenerateMacResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import type { OpContext } from "./context.js";
import { messageBytes } from "./support/asymmetric.js";
import { withMacKey } from "./support/mac.js";

/** GenerateMac: the HMAC of a message (at most 4096 bytes) under a GENERATE_VERIFY_MAC key. */
export async function generateMac(ctx: OpContext, input: GenerateMacRequest): Promise<GenerateMacResponse> {
  return withMacKey(ctx, input, "GenerateMac", (key, algorithm, secret) => {
    const mac = hmac(algorithm, secret, messageBytes(input.Message));
    return { Mac: mac, MacAlgorithm: input.MacAlgorithm, KeyId: keyArn(key.region, key.accountId, key.keyId) };
  });
}
