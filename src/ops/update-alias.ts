import type { UpdateAliasRequest } from "../generated/kms-types.js";
import { aliasArn } from "../domain/arn.js";
import { checkAliasName } from "../domain/alias-rules.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { authorize } from "./support/authorize.js";
import { aliasTarget } from "./support/alias-target.js";

export async function updateAlias(ctx: OpContext, input: UpdateAliasRequest): Promise<Record<string, never>> {
  checkAliasName(input.AliasName, { forCreate: false });
  const { accountId, region } = ctx.caller;
  const alias = await ctx.store.getAlias(accountId, region, input.AliasName);
  if (alias === undefined) {
    throw new KmsError("NotFoundException", `Alias ${aliasArn(region, accountId, input.AliasName)} is not found.`);
  }
  const current = await ctx.store.getKey(alias.targetKeyId);
  if (current !== undefined) {
    await authorize(ctx, { action: "kms:UpdateAlias", key: current, conditions: { "kms:RequestAlias": input.AliasName } });
  }
  const next = await aliasTarget(ctx, input.TargetKeyId, "UpdateAlias", input.AliasName);
  if (next.accountId !== accountId) throw new KmsError("NotFoundException", `Key '${input.TargetKeyId}' does not exist`);
  if (current !== undefined && (current.keySpec !== next.keySpec || current.keyUsage !== next.keyUsage)) {
    throw new KmsError(
      "ValidationException",
      "The new target key must be the same type (key spec and key usage) as the current target key.",
    );
  }
  const updated = await ctx.store.updateAlias({ ...alias, targetKeyId: next.keyId, updatedAt: ctx.now() });
  if (!updated) throw new KmsError("NotFoundException", `Alias ${aliasArn(region, accountId, input.AliasName)} is not found.`);
  return {};
}
