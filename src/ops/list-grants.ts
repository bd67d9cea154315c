import type { GrantListEntry, ListGrantsRequest, ListGrantsResponse } from "../generated/kms-types.js";
import type { GrantRecord } from "../domain/grant-record.js";
import { decodeMarker, encodeMarker } from "../domain/marker.js";
import type { OpContext } from "./context.js";
import { checkGrantId, grantListEntry, listLimit } from "./support/grants.js";
import { useKey } from "./support/use-key.js";

/**
 * ListGrants: the grants of a key (key id or key ARN; cross-account with the ARN), optionally
 * only the one with GrantId or those of one GranteePrincipal, ordered by grant id, paged with
 * Limit (1..100, default 50) and Marker.
 */
export async function listGrants(ctx: OpContext, input: ListGrantsRequest): Promise<ListGrantsResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "ListGrants",
    action: "kms:ListGrants",
    allowAlias: false,
    conditions: { "kms:GrantIsForAWSResource": false },
  });
  const grantId = input.GrantId === undefined ? undefined : checkGrantId(input.GrantId);
  const after = decodeMarker("grants", input.Marker);
  const limit = listLimit(input.Limit);

  let items: readonly GrantRecord[];
  let next: string | undefined;
  if (input.GranteeServicePrincipal !== undefined) {
    items = []; // Trent has no service principals, so no grant has one.
  } else if (grantId !== undefined) {
    const g = await ctx.store.getGrant(key.keyId, grantId);
    items = g !== undefined && (after === undefined || g.grantId > after) && (input.GranteePrincipal === undefined || g.granteePrincipal === input.GranteePrincipal) ? [g] : [];
  } else if (input.GranteePrincipal !== undefined) {
    const all = (await ctx.store.listGrantsForGrantee(key.keyId, input.GranteePrincipal)).filter((g) => after === undefined || g.grantId > after);
    items = all.slice(0, limit);
    if (all.length > limit) next = items[items.length - 1]?.grantId;
  } else {
    const page = await ctx.store.listGrants(key.keyId, after, limit);
    items = page.items;
    next = page.next;
  }
  const Grants: GrantListEntry[] = items.map(grantListEntry);
  return next === undefined ? { Grants, Truncated: false } : { Grants, NextMarker: encodeMarker("grants", next), Truncated: true };
}
