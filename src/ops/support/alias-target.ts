import { parseKeyIdentifier } from "../../domain/arn.js";
import { KmsError } from "../../domain/errors.js";
import type { KeyRecord } from "../../domain/key-record.js";
import type { OpContext } from "../context.js";
import { useKey } from "./use-key.js";

/** AWS allows 50 aliases per KMS key. */
export const MAX_ALIASES_PER_KEY = 50;

/** The key an alias is to point at: key id or key ARN (no alias), in the caller's account and region. */
export async function aliasTarget(ctx: OpContext, targetKeyId: string, operation: string, aliasName: string): Promise<KeyRecord> {
  // AWS's answer to an alias name or alias ARN as the target (as moto records it).
  const kind = parseKeyIdentifier(targetKeyId).kind;
  if (kind === "aliasName" || kind === "aliasArn") {
    throw new KmsError("ValidationException", "Aliases must refer to keys. Not aliases");
  }
  return useKey(ctx, targetKeyId, {
    operation,
    action: `kms:${operation}`,
    allowAlias: false,
    conditions: { "kms:RequestAlias": aliasName },
  });
}
