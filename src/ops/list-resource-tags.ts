import type { ListResourceTagsRequest, ListResourceTagsResponse } from "../generated/kms-types.js";
import { KmsError } from "../domain/errors.js";
import { decodeMarker, encodeMarker } from "../domain/marker.js";
import type { OpContext } from "./context.js";
import { useKey } from "./support/use-key.js";

export async function listResourceTags(ctx: OpContext, input: ListResourceTagsRequest): Promise<ListResourceTagsResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "ListResourceTags",
    action: "kms:ListResourceTags",
    allowAlias: false,
  });
  const pos = decodeMarker("tags", input.Marker);
  const start = pos === undefined ? 0 : Number(pos);
  if (!Number.isInteger(start) || start < 0) throw new KmsError("InvalidMarkerException", "Invalid marker");
  const limit = input.Limit ?? 50;
  const Tags = key.tags.slice(start, start + limit).map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue }));
  const end = start + Tags.length;
  return end < key.tags.length
    ? { Tags, NextMarker: encodeMarker("tags", String(end)), Truncated: true }
    : { Tags, Truncated: false };
}
