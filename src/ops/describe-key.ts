import type { DescribeKeyRequest, DescribeKeyResponse } from "../generated/kms-types.js";
import { toKeyMetadata } from "../domain/key-metadata.js";
import type { OpContext } from "./context.js";
import { useKey } from "./support/use-key.js";

export async function describeKey(ctx: OpContext, input: DescribeKeyRequest): Promise<DescribeKeyResponse> {
  const key = await useKey(ctx, input.KeyId, { operation: "DescribeKey", action: "kms:DescribeKey", allowAlias: true });
  return { KeyMetadata: toKeyMetadata(key) };
}
