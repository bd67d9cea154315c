import type { CreateGrantRequest, CreateGrantResponse } from "../generated/kms-types.js";
import { accountRootArn, keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { GrantConstraints, GrantRecord } from "../domain/grant-record.js";
import { checkGrantRequest, MAX_GRANTS_PER_KEY, sameGrantParameters, withinParentGrant } from "../domain/grant-rules.js";
import { encodeGrantToken } from "../domain/grant-token.js";
import type { ConditionValue } from "../policy/authorizer.js";
import { accessDeniedMessage } from "../policy/deny-message.js";
import { DuplicateEntry } from "../store/store.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { authorize } from "./support/authorize.js";
import { encryptionContextConditions } from "./support/conditions.js";
import { checkGrantPrincipal, normaliseConstraints, rejectServicePrincipals } from "./support/grants.js";
import { requireMember } from "./support/required.js";
import { resolveKey } from "./support/resolve-key.js";
import { checkKeyState } from "./support/use-key.js";

/**
 * The condition keys of a CreateGrant request (KMS developer guide, "AWS KMS condition keys"):
 * kms:GrantOperations, kms:GranteePrincipal, kms:RetiringPrincipal, kms:GrantConstraintType,
 * kms:GrantIsForAWSResource (false: no AWS service calls Trent on anyone's behalf) and the
 * encryption context of the grant's constraint as kms:EncryptionContext:* / kms:EncryptionContextKeys.
 */
function grantConditions(input: CreateGrantRequest, grantee: string, constraints: GrantConstraints | undefined): Record<string, ConditionValue> {
  const ec = { ...constraints?.EncryptionContextSubset, ...constraints?.EncryptionContextEquals };
  const types = [
    ...(constraints?.EncryptionContextEquals !== undefined ? ["EncryptionContextEquals"] : []),
    ...(constraints?.EncryptionContextSubset !== undefined ? ["EncryptionContextSubset"] : []),
  ];
  return {
    ...(constraints !== undefined ? encryptionContextConditions(ec) : {}),
    "kms:GrantOperations": [...input.Operations],
    "kms:GranteePrincipal": grantee,
    ...(input.RetiringPrincipal !== undefined ? { "kms:RetiringPrincipal": input.RetiringPrincipal } : {}),
    ...(types.length === 1 ? { "kms:GrantConstraintType": types[0] ?? "" } : types.length > 1 ? { "kms:GrantConstraintType": types } : {}),
    "kms:GrantIsForAWSResource": false,
  };
}

/** The grant with this Name and the same parameters, if the key has one (CreateGrant's idempotency). */
async function existingNamedGrant(ctx: OpContext, keyId: string, name: string | undefined, params: Parameters<typeof sameGrantParameters>[1]): Promise<GrantRecord | undefined> {
  if (name === undefined) return undefined;
  const candidates = await ctx.store.listGrantsForGrantee(keyId, params.granteePrincipal);
  return candidates.find((g) => g.name === name && sameGrantParameters(g, params));
}

/**
 * CreateGrant: a grant lets GranteePrincipal perform Operations on the key (subject to
 * Constraints), and RetiringPrincipal retire it. Returns the grant id and a new grant token on
 * every call; a retry with the same Name and parameters returns the original grant id.
 */
export async function createGrant(ctx: OpContext, input: CreateGrantRequest): Promise<CreateGrantResponse> {
  rejectServicePrincipals(input.GranteeServicePrincipal, input.RetiringServicePrincipal);
  const grantee = requireMember(input.GranteePrincipal, "granteePrincipal");
  const constraints = normaliseConstraints(input.Constraints);
  const key = await resolveKey(ctx, input.KeyId, { allowAlias: false });
  const arn = keyArn(key.region, key.accountId, key.keyId);
  if (!ctx.resolvedKeys.includes(arn)) ctx.resolvedKeys.push(arn);
  const decision = await authorize(ctx, { action: "kms:CreateGrant", key, conditions: grantConditions(input, grantee, constraints) });
  checkKeyState(key, "CreateGrant");
  const operations = [...new Set(input.Operations)];
  checkGrantRequest(key, operations, constraints);
  await checkGrantPrincipal(ctx, grantee);
  if (input.RetiringPrincipal !== undefined) await checkGrantPrincipal(ctx, input.RetiringPrincipal);

  // A grantee whose CreateGrant permission comes from a grant creates grants only within it.
  if (decision.grant !== undefined) {
    const why = withinParentGrant(decision.grant, { operations, ...(constraints !== undefined ? { constraints } : {}) });
    if (why !== undefined) {
      throw new KmsError(
        "AccessDeniedException",
        `${accessDeniedMessage(ctx.caller.principalArn, "kms:CreateGrant", arn, { explicit: false, policyType: "resource-based" })} (${why})`,
      );
    }
  }

  const params = {
    granteePrincipal: grantee,
    ...(input.RetiringPrincipal !== undefined ? { retiringPrincipal: input.RetiringPrincipal } : {}),
    operations,
    ...(constraints !== undefined ? { constraints } : {}),
    issuingAccount: accountRootArn(ctx.caller.accountId),
  };
  const existing = await existingNamedGrant(ctx, key.keyId, input.Name, params);
  if (existing === undefined && (await ctx.store.countGrants(key.keyId)) >= (ctx.limits.grantsPerKey ?? MAX_GRANTS_PER_KEY)) {
    throw new KmsError("LimitExceededException", `The KMS key ${arn} has reached its quota of ${ctx.limits.grantsPerKey ?? MAX_GRANTS_PER_KEY} grants.`);
  }
  if (input.DryRun === true) dryRunSucceeded();

  let grantId = existing?.grantId;
  if (grantId === undefined) {
    const grant: GrantRecord = {
      ...params,
      grantId: ctx.random(32).toString("hex"),
      keyId: key.keyId,
      keyAccountId: key.accountId,
      region: key.region,
      ...(input.Name !== undefined ? { name: input.Name } : {}),
      createdAt: ctx.now(),
    };
    try {
      await ctx.store.createGrant(grant);
    } catch (e) {
      // 256 random bits do not collide; a duplicate means a broken random source.
      if (e instanceof DuplicateEntry) throw new KmsError("KMSInternalException", "The grant could not be created.");
      throw e;
    }
    grantId = grant.grantId;
  }
  return { GrantId: grantId, GrantToken: encodeGrantToken(key.keyId, grantId, ctx.random(16)) };
}
