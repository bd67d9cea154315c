import type { DescribeCustomKeyStoresRequest, DescribeCustomKeyStoresResponse } from "../generated/kms-types.js";
import { toCustomKeyStoresListEntry } from "../domain/custom-key-store.js";
import { decodeMarker, encodeMarker } from "../domain/marker.js";
import type { OpContext } from "./context.js";
import { authorize } from "./support/authorize.js";
import { customKeyStoreNotFound, findCustomKeyStore } from "./support/custom-key-store-records.js";

const DEFAULT_LIMIT = 100;

/** The custom key stores of the caller's account and region: one by id or by name, or a page of all. */
export async function describeCustomKeyStores(
  ctx: OpContext,
  input: DescribeCustomKeyStoresRequest,
): Promise<DescribeCustomKeyStoresResponse> {
  await authorize(ctx, { action: "kms:DescribeCustomKeyStores" });
  if (input.CustomKeyStoreId !== undefined) {
    const rec = await findCustomKeyStore(ctx, input.CustomKeyStoreId);
    if (input.CustomKeyStoreName !== undefined && rec.name !== input.CustomKeyStoreName) throw customKeyStoreNotFound(input.CustomKeyStoreId);
    return { CustomKeyStores: [toCustomKeyStoresListEntry(rec)], Truncated: false };
  }
  const partition = { accountId: ctx.caller.accountId, region: ctx.caller.region };
  if (input.CustomKeyStoreName !== undefined) {
    for (let after: string | undefined; ; ) {
      const page = await ctx.store.listCustomKeyStores(partition, after, 100);
      const found = page.items.find((s) => s.name === input.CustomKeyStoreName);
      if (found !== undefined) return { CustomKeyStores: [toCustomKeyStoresListEntry(found)], Truncated: false };
      if (page.next === undefined) break;
      after = page.next;
    }
    throw customKeyStoreNotFound(input.CustomKeyStoreName);
  }
  const after = decodeMarker("custom-key-stores", input.Marker);
  const page = await ctx.store.listCustomKeyStores(partition, after, input.Limit ?? DEFAULT_LIMIT);
  const CustomKeyStores = page.items.map(toCustomKeyStoresListEntry);
  return page.next === undefined
    ? { CustomKeyStores, Truncated: false }
    : { CustomKeyStores, NextMarker: encodeMarker("custom-key-stores", page.next), Truncated: true };
}
