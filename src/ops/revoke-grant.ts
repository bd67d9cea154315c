import type { RevokeGrantRequest } from "../generated/kms-types.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { checkGrantId, grantNotFound } from "./support/grants.js";
import { useKey } from "./support/use-key.js";

/**
 * RevokeGrant: deletes a grant, authorized like most operations by the key policy and IAM
 * policies (kms:RevokeGrant; cross-account with the key ARN).
 */
export async function revokeGrant(ctx: OpContext, input: RevokeGrantRequest): Promise<Record<string, never>> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "RevokeGrant",
    action: "kms:RevokeGrant",
    allowAlias: false,
    conditions: { "kms:GrantIsForAWSResource": false },
  });
  const grantId = checkGrantId(input.GrantId);
  if ((await ctx.store.getGrant(key.keyId, grantId)) === undefined) throw grantNotFound(grantId);
  if (input.DryRun === true) dryRunSucceeded();
  if (!(await ctx.store.deleteGrant(key.keyId, grantId))) throw grantNotFound(grantId);
  return {};
}
