import type { CreateAliasRequest } from "../generated/kms-types.js";
import { aliasArn } from "../domain/arn.js";
import { checkAliasName } from "../domain/alias-rules.js";
import { KmsError } from "../domain/errors.js";
import { DuplicateEntry } from "../store/store.js";
import type { OpContext } from "./context.js";
import { MAX_ALIASES_PER_KEY, aliasTarget } from "./support/alias-target.js";

export async function createAlias(ctx: OpContext, input: CreateAliasRequest): Promise<Record<string, never>> {
  checkAliasName(input.AliasName, { forCreate: true });
  const key = await aliasTarget(ctx, input.TargetKeyId, "CreateAlias", input.AliasName);
  const { accountId, region } = ctx.caller;
  if (key.accountId !== accountId) {
    throw new KmsError("NotFoundException", `Key '${input.TargetKeyId}' does not exist`);
  }
  const existing = await ctx.store.listAliases(accountId, region, key.keyId, undefined, MAX_ALIASES_PER_KEY);
  if (existing.items.length >= MAX_ALIASES_PER_KEY) {
    throw new KmsError("LimitExceededException", `A KMS key can have at most ${MAX_ALIASES_PER_KEY} aliases.`);
  }
  const now = ctx.now();
  try {
    await ctx.store.createAlias({
      accountId,
      region,
      aliasName: input.AliasName,
      targetKeyId: key.keyId,
      createdAt: now,
      updatedAt: now,
    });
  } catch (e) {
    if (e instanceof DuplicateEntry) {
      throw new KmsError(
        "AlreadyExistsException",
        `An alias with the name ${aliasArn(region, accountId, input.AliasName)} already exists`,
      );
    }
    throw e;
  }
  return {};
}
