import type { ListAliasesRequest, ListAliasesResponse } from "../generated/kms-types.js";
import { aliasArn } from "../domain/arn.js";
import { decodeMarker, encodeMarker } from "../domain/marker.js";
import type { OpContext } from "./context.js";
import { authorize } from "./support/authorize.js";
import { resolveKey } from "./support/resolve-key.js";

export async function listAliases(ctx: OpContext, input: ListAliasesRequest): Promise<ListAliasesResponse> {
  await authorize(ctx, { action: "kms:ListAliases" });
  const after = decodeMarker("aliases", input.Marker);
  const { accountId, region } = ctx.caller;
  let keyId: string | undefined;
  if (input.KeyId !== undefined) keyId = (await resolveKey(ctx, input.KeyId, { allowAlias: false })).keyId;
  const page = await ctx.store.listAliases(accountId, region, keyId, after, input.Limit ?? 100);
  const Aliases = page.items.map((a) => ({
    AliasName: a.aliasName,
    AliasArn: aliasArn(a.region, a.accountId, a.aliasName),
    TargetKeyId: a.targetKeyId,
    CreationDate: new Date(a.createdAt),
    LastUpdatedDate: new Date(a.updatedAt),
  }));
  return page.next === undefined
    ? { Aliases, Truncated: false }
    : { Aliases, NextMarker: encodeMarker("aliases", page.next), Truncated: true };
}
