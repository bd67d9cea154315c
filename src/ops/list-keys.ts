import type { ListKeysRequest, ListKeysResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { decodeMarker, encodeMarker } from "../domain/marker.js";
import type { OpContext } from "./context.js";
import { authorize } from "./support/authorize.js";

export async function listKeys(ctx: OpContext, input: ListKeysRequest): Promise<ListKeysResponse> {
  await authorize(ctx, { action: "kms:ListKeys" });
  const after = decodeMarker("keys", input.Marker);
  const { accountId, region } = ctx.caller;
  const page = await ctx.store.listKeys(accountId, region, after, input.Limit ?? 100);
  const Keys = page.items.map((k) => ({ KeyId: k.keyId, KeyArn: keyArn(k.region, k.accountId, k.keyId) }));
  return page.next === undefined ? { Keys, Truncated: false } : { Keys, NextMarker: encodeMarker("keys", page.next), Truncated: true };
}
