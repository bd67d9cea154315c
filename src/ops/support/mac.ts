import type { SecretBytes } from "../../crypto/secret-bytes.js";
import type { MacAlgorithm } from "../../crypto/hmac.js";
import type { KeyRecord } from "../../domain/key-record.js";
import type { MacAlgorithmSpec } from "../../generated/kms-types.js";
import type { OpContext } from "../context.js";
import { dryRunSucceeded } from "../dry-run.js";
import { macAlgorithmFor } from "./algorithm.js";
import { useKey } from "./use-key.js";

/** What GenerateMac and VerifyMac both take. */
export interface MacRequest {
  readonly KeyId: string;
  readonly Message: SecretBytes;
  readonly MacAlgorithm: MacAlgorithmSpec;
  readonly DryRun?: boolean;
}

/**
 * The part GenerateMac and VerifyMac share: the GENERATE_VERIFY_MAC key (authorized with the
 * kms:MacAlgorithm condition), the algorithm checked against the key spec, DryRun, then the key's
 * current material. `body` computes or checks the MAC; the message is disposed once the key was
 * found, whatever happens after.
 */
export async function withMacKey<T>(
  ctx: OpContext,
  input: MacRequest,
  operation: "GenerateMac" | "VerifyMac",
  body: (key: KeyRecord, algorithm: MacAlgorithm, secret: SecretBytes) => T,
): Promise<T> {
  const key = await useKey(ctx, input.KeyId, {
    operation,
    action: `kms:${operation}`,
    allowAlias: true,
    usage: "GENERATE_VERIFY_MAC",
    conditions: { "kms:MacAlgorithm": input.MacAlgorithm },
  });
  try {
    const algorithm = macAlgorithmFor(key, input.MacAlgorithm) as MacAlgorithm;
    if (input.DryRun === true) dryRunSucceeded();
    const { secret } = await ctx.materials.current(key);
    return body(key, algorithm, secret);
  } finally {
    input.Message.dispose();
  }
}
