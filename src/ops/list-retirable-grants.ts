import type { GrantListEntry, ListGrantsResponse, ListRetirableGrantsRequest } from "../generated/kms-types.js";
import { KmsError } from "../domain/errors.js";
import { decodeMarker, encodeMarker } from "../domain/marker.js";
import { accessDeniedMessage } from "../policy/deny-message.js";
import { retirablePosition } from "../store/store.js";
import type { OpContext } from "./context.js";
import { authorize } from "./support/authorize.js";
import { grantListEntry, listLimit, principalArn, rejectServicePrincipals } from "./support/grants.js";
import { requireMember } from "./support/required.js";

/**
 * ListRetirableGrants: the grants, on keys of any account, whose retiring principal is
 * RetiringPrincipal, in the caller's region. Authorized by the caller's identity policies
 * (kms:ListRetirableGrants) alone; the principal must be of the caller's account (KMS API
 * reference: "You must specify a principal in your AWS account").
 */
export async function listRetirableGrants(ctx: OpContext, input: ListRetirableGrantsRequest): Promise<ListGrantsResponse> {
  rejectServicePrincipals(input.RetiringServicePrincipal);
  const retiring = requireMember(input.RetiringPrincipal, "retiringPrincipal");
  await authorize(ctx, { action: "kms:ListRetirableGrants" });
  const p = principalArn(retiring);
  if (p.accountId !== ctx.caller.accountId) {
    throw new KmsError(
      "AccessDeniedException",
      accessDeniedMessage(ctx.caller.principalArn, "kms:ListRetirableGrants", retiring, { explicit: false, policyType: "identity-based" }),
    );
  }
  const limit = listLimit(input.Limit);
  let after = decodeMarker("retirable", input.Marker);
  const Grants: GrantListEntry[] = [];
  let more = false;
  // Grants of other regions are skipped, so a page may need several reads of the store.
  for (;;) {
    const page = await ctx.store.listRetirableGrants(retiring, after, limit);
    for (const g of page.items) {
      if (Grants.length === limit) {
        more = true;
        break;
      }
      after = retirablePosition(g);
      if (g.region === ctx.caller.region) Grants.push(grantListEntry(g));
    }
    if (more || page.next === undefined) break;
    if (Grants.length === limit) {
      more = true;
      break;
    }
    after = page.next;
  }
  return more && after !== undefined ? { Grants, NextMarker: encodeMarker("retirable", after), Truncated: true } : { Grants, Truncated: false };
}
