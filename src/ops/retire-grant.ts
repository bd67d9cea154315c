import type { RetireGrantRequest } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { GrantRecord } from "../domain/grant-record.js";
import type { KeyRecord } from "../domain/key-record.js";
import { decodeGrantToken } from "../domain/grant-token.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { accessDenied } from "./support/authorize.js";
import { checkGrantId, grantNotFound, invalidGrantToken } from "./support/grants.js";
import { resolveKey } from "./support/resolve-key.js";
import { checkKeyState } from "./support/use-key.js";

/** The grant RetireGrant names: by GrantToken, or by KeyId (key id or key ARN) and GrantId. */
async function namedGrant(ctx: OpContext, input: RetireGrantRequest): Promise<{ key: KeyRecord; grant: GrantRecord }> {
  if (input.GrantToken !== undefined) {
    const named = decodeGrantToken(input.GrantToken);
    if (named === undefined) throw invalidGrantToken();
    if (input.GrantId !== undefined && checkGrantId(input.GrantId) !== named.grantId) {
      throw new KmsError("ValidationException", "The grant token and the grant ID do not identify the same grant.");
    }
    const key = input.KeyId !== undefined ? await resolveKey(ctx, input.KeyId, { allowAlias: false }) : await ctx.store.getKey(named.keyId);
    if (key === undefined || key.region !== ctx.caller.region || key.keyId !== named.keyId) throw invalidGrantToken();
    const grant = await ctx.store.getGrant(key.keyId, named.grantId);
    if (grant === undefined) throw invalidGrantToken();
    return { key, grant };
  }
  if (input.KeyId === undefined || input.GrantId === undefined) {
    throw new KmsError("ValidationException", "Grant token OR (grant ID, key ID) must be specified.");
  }
  const grantId = checkGrantId(input.GrantId);
  const key = await resolveKey(ctx, input.KeyId, { allowAlias: false });
  const grant = await ctx.store.getGrant(key.keyId, grantId);
  if (grant === undefined) throw grantNotFound(grantId);
  return { key, grant };
}

/**
 * RetireGrant: deletes a grant. Who may is decided by the grant: its retiring principal, its
 * grantee when it allows RetireGrant, and the account that created it (see policy/retire-grant.ts).
 */
export async function retireGrant(ctx: OpContext, input: RetireGrantRequest): Promise<Record<string, never>> {
  const { key, grant } = await namedGrant(ctx, input);
  const arn = keyArn(key.region, key.accountId, key.keyId);
  if (!ctx.resolvedKeys.includes(arn)) ctx.resolvedKeys.push(arn);
  const authz = ctx.authorizer;
  const decision =
    authz.decideRetireGrant !== undefined
      ? await authz.decideRetireGrant(ctx.caller, key, grant, ctx.now())
      : await authz.decide(ctx.caller, { action: "kms:RetireGrant", key }, ctx.now());
  ctx.authorized.count++;
  if (!decision.allowed) throw accessDenied(ctx, "kms:RetireGrant", decision);
  checkKeyState(key, "RetireGrant");
  if (input.DryRun === true) dryRunSucceeded();
  if (!(await ctx.store.deleteGrant(key.keyId, grant.grantId))) throw grantNotFound(grant.grantId);
  return {};
}
