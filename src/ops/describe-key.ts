import type { DescribeKeyRequest, DescribeKeyResponse } from "../generated/kms-types.js";
import { toKeyMetadata } from "../domain/key-metadata.js";
import type { OpContext } from "./context.js";
import { withEffectiveState } from "./support/custom-key-stores.js";
import { useKey } from "./support/use-key.js";

export async function describeKey(ctx: OpContext, input: DescribeKeyRequest): Promise<DescribeKeyResponse> {
  const key = await useKey(ctx, input.KeyId, { operation: "DescribeKey", action: "kms:DescribeKey", allowAlias: true });
  if (key.customKeyStoreId === undefined) return { KeyMetadata: toKeyMetadata(key) };
  // A key in a custom key store: its state reads Unavailable while the store is disconnected, and
  // the metadata names the store's cluster.
  const store = await ctx.customKeyStores?.record(key.customKeyStoreId);
  return { KeyMetadata: toKeyMetadata(await withEffectiveState(ctx, key), store) };
}
