import { generateMac as hmac, type MacAlgorithm } from "../crypto/hmac.js";
import type { GenerateMacRequest, GenerateMacResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { macAlgorithmFor } from "./support/algorithm.js";
import { messageBytes } from "./support/asymmetric.js";
import { useKey } from "./support/use-key.js";

/** GenerateMac: the HMAC of a message (at most 4096 bytes) under a GENERATE_VERIFY_MAC key. */
export async function generateMac(ctx: OpContext, input: GenerateMacRequest): Promise<GenerateMacResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "GenerateMac",
    action: "kms:GenerateMac",
    allowAlias: true,
    usage: "GENERATE_VERIFY_MAC",
    conditions: { "kms:MacAlgorithm": input.MacAlgorithm },
  });
  try {
    const algorithm = macAlgorithmFor(key, input.MacAlgorithm) as MacAlgorithm;
    if (input.DryRun === true) dryRunSucceeded();
    const { secret } = await ctx.materials.current(key);
    const mac = hmac(algorithm, secret, messageBytes(input.Message));
    return { Mac: mac, MacAlgorithm: input.MacAlgorithm, KeyId: keyArn(key.region, key.accountId, key.keyId) };
  } finally {
    input.Message.dispose();
  }
}
