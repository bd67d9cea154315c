import type { GrantListEntry, GrantOperation } from "../../generated/kms-types.js";
import { keyArn } from "../../domain/arn.js";
import { KmsError } from "../../domain/errors.js";
import type { GrantConstraints, GrantRecord } from "../../domain/grant-record.js";
import { GRANT_ID, parseGrantPrincipal, type GrantPrincipal } from "../../domain/grant-rules.js";
import { decodeGrantToken } from "../../domain/grant-token.js";
import type { OpContext } from "../context.js";

/** GrantTokens parameters hold at most 10 tokens (model: GrantTokenList length 0..10). */
export const MAX_GRANT_TOKENS = 10;

export function invalidGrantToken(): KmsError {
  return new KmsError("InvalidGrantTokenException", "The grant token is not valid.");
}

/**
 * Validates a GrantTokens parameter: at most 10 tokens, each one Trent issued for a grant that
 * still exists (InvalidGrantTokenException otherwise). Grants are consistent at once in Trent, so
 * a valid token adds nothing to what the grant itself allows.
 */
export async function checkGrantTokens(ctx: OpContext, tokens: readonly string[] | undefined): Promise<void> {
  if (tokens === undefined || tokens.length === 0) return;
  if (tokens.length > MAX_GRANT_TOKENS) {
    throw new KmsError(
      "ValidationException",
      `1 validation error detected: Value at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to ${MAX_GRANT_TOKENS}`,
    );
  }
  for (const t of tokens) {
    const named = decodeGrantToken(t);
    if (named === undefined || (await ctx.store.getGrant(named.keyId, named.grantId)) === undefined) throw invalidGrantToken();
  }
}

/** A GrantId parameter: 64 hex characters (InvalidGrantIdException otherwise). */
export function checkGrantId(grantId: string): string {
  if (!GRANT_ID.test(grantId)) throw new KmsError("InvalidGrantIdException", "Invalid grant ID.");
  return grantId;
}

export function grantNotFound(grantId: string): KmsError {
  return new KmsError("NotFoundException", `Grant ID ${grantId} not found.`);
}

function invalidPrincipal(arn: string): KmsError {
  return new KmsError("InvalidArnException", `ARN does not refer to a valid principal: ${arn}`);
}

/** A principal ARN that is well formed (InvalidArnException otherwise), without asking whether it exists. */
export function principalArn(arn: string): GrantPrincipal {
  const p = parseGrantPrincipal(arn);
  if (p === undefined) throw invalidPrincipal(arn);
  return p;
}

/**
 * A grantee or retiring principal must exist (AWS: InvalidArnException "ARN does not refer to a
 * valid principal: ..."): an account of this Trent, or one of its users or roles (a role session
 * names its role). Federated users do not exist in Trent.
 */
export async function checkGrantPrincipal(ctx: OpContext, arn: string): Promise<void> {
  const p = principalArn(arn);
  let exists: boolean;
  switch (p.kind) {
    case "account":
      exists = (await ctx.store.getAccount(p.accountId)) !== undefined;
      break;
    case "user":
    case "role":
      exists = (await ctx.store.getPrincipal(p.arn)) !== undefined;
      break;
    case "assumed-role":
      exists = (await ctx.store.getPrincipal(p.roleArn)) !== undefined;
      break;
    case "federated-user":
      exists = false;
      break;
  }
  if (!exists) throw invalidPrincipal(arn);
}

/** GranteeServicePrincipal / RetiringServicePrincipal: Trent has no AWS service principals. */
export function rejectServicePrincipals(...values: (string | undefined)[]): void {
  if (values.some((v) => v !== undefined)) {
    throw new KmsError("UnsupportedOperationException", "Service principals are not supported: Trent has no AWS services to grant to.");
  }
}

/** Constraints as stored: empty maps and an empty structure are no constraint; SourceArn is refused. */
export function normaliseConstraints(c: { EncryptionContextSubset?: Record<string, string>; EncryptionContextEquals?: Record<string, string>; SourceArn?: string } | undefined): GrantConstraints | undefined {
  if (c === undefined) return undefined;
  if (c.SourceArn !== undefined) {
    throw new KmsError("UnsupportedOperationException", "The SourceArn grant constraint applies to AWS service principals, which Trent does not have.");
  }
  const out: { EncryptionContextSubset?: Record<string, string>; EncryptionContextEquals?: Record<string, string> } = {};
  if (c.EncryptionContextSubset !== undefined && Object.keys(c.EncryptionContextSubset).length > 0) out.EncryptionContextSubset = { ...c.EncryptionContextSubset };
  if (c.EncryptionContextEquals !== undefined && Object.keys(c.EncryptionContextEquals).length > 0) out.EncryptionContextEquals = { ...c.EncryptionContextEquals };
  return out.EncryptionContextSubset === undefined && out.EncryptionContextEquals === undefined ? undefined : out;
}

/** A stored grant as ListGrants and ListRetirableGrants report it (KeyId is the key ARN). */
export function grantListEntry(g: GrantRecord): GrantListEntry {
  return {
    KeyId: keyArn(g.region, g.keyAccountId, g.keyId),
    GrantId: g.grantId,
    ...(g.name !== undefined ? { Name: g.name } : {}),
    CreationDate: new Date(g.createdAt),
    GranteePrincipal: g.granteePrincipal,
    ...(g.retiringPrincipal !== undefined ? { RetiringPrincipal: g.retiringPrincipal } : {}),
    IssuingAccount: g.issuingAccount,
    Operations: g.operations as GrantOperation[],
    ...(g.constraints !== undefined ? { Constraints: { ...g.constraints } } : {}),
  };
}

/** Limit of ListGrants / ListRetirableGrants: 1..100, default 50 (larger values return 100). */
export function listLimit(limit: number | undefined): number {
  return Math.min(limit ?? 50, 100);
}
