import type { DeleteAliasRequest } from "../generated/kms-types.js";
import { aliasArn } from "../domain/arn.js";
import { checkAliasName } from "../domain/alias-rules.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { authorize } from "./support/authorize.js";
import { checkKeyState } from "./support/use-key.js";

export async function deleteAlias(ctx: OpContext, input: DeleteAliasRequest): Promise<Record<string, never>> {
  checkAliasName(input.AliasName, { forCreate: false });
  const { accountId, region } = ctx.caller;
  const notFound = () => new KmsError("NotFoundException", `Alias ${aliasArn(region, accountId, input.AliasName)} is not found.`);
  const alias = await ctx.store.getAlias(accountId, region, input.AliasName);
  if (alias === undefined) throw notFound();
  const key = await ctx.store.getKey(alias.targetKeyId);
  if (key !== undefined) {
    await authorize(ctx, { action: "kms:DeleteAlias", key, conditions: { "kms:RequestAlias": input.AliasName } });
    checkKeyState(key, "DeleteAlias");
  } else {
    await authorize(ctx, { action: "kms:DeleteAlias" });
  }
  if (!(await ctx.store.deleteAlias(accountId, region, input.AliasName))) throw notFound();
  return {};
}
