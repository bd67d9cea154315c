import { accountRootArn, keyArn } from "../domain/arn.js";
import type { KeyRecord } from "../domain/key-record.js";
import type { AuthzRequest, Caller, Decision, RetirableGrant } from "./authorizer.js";
import { accessDeniedMessage } from "./deny-message.js";
import type { PolicyEffect } from "./evaluate.js";
import { matchGrantee } from "./grants.js";
import { principalIdentity } from "./request-context.js";
import { TraceLines } from "./trace.js";

/** Evaluates the caller's identity policies for a request, writing what it considered to `trace`. */
export type IdentityEffect = (request: AuthzRequest, trace: TraceLines) => Promise<PolicyEffect | "Invalid">;

const ACTION = "kms:RetireGrant";

/**
 * Who may retire a grant (KMS developer guide, "Retiring and revoking grants"; RetireGrant API
 * reference): the grant determines it, not the key policy.
 * - the retiring principal named in the grant;
 * - the grantee principal, when the grant's operations include RetireGrant;
 * - the AWS account in which the grant was created: its root user, and the account's principals
 *   to whom it delegates kms:RetireGrant in an identity policy.
 * A grant principal that is an account root ARN names the account: its root user directly, its
 * users and roles through an identity policy allowing kms:RetireGrant (as for grantees).
 * An explicit deny of kms:RetireGrant in the caller's identity policies stops the delegated
 * paths (Trent's reading: the principals the grant itself names need no policy at all).
 */
export async function decideRetire(identity: IdentityEffect, caller: Caller, key: KeyRecord, grant: RetirableGrant): Promise<Decision> {
  const trace = new TraceLines();
  const who = principalIdentity(caller);
  const resource = keyArn(key.region, key.accountId, key.keyId);
  trace.push(`request: ${caller.principalArn} ${ACTION} of grant ${grant.grantId} on ${resource}`);
  const allow = (line: string): Decision => ({ allowed: true, trace: [...trace.render(), `decision: allowed: ${line}`] });

  let iam: PolicyEffect | "Invalid" | undefined;
  const identityAllows = async (): Promise<boolean> => {
    if (iam === undefined) iam = await identity({ action: ACTION, key }, trace);
    return iam === "Allow";
  };

  const retiring = grant.retiringPrincipal;
  if (retiring !== undefined) {
    const m = matchGrantee(retiring, who);
    if (m === "direct") return allow(`the caller is the grant's retiring principal ${retiring}`);
    if (m === "account" && (await identityAllows())) {
      return allow(`the retiring principal is account ${caller.accountId} and an identity policy allows ${ACTION}`);
    }
    trace.push(`retiring principal ${retiring}: ${m === "none" ? "is not the caller" : "names the caller's account, but no identity policy allows kms:RetireGrant"}`);
  } else trace.push("the grant has no retiring principal");

  const grantee = matchGrantee(grant.granteePrincipal, who);
  if (grantee !== "none" && grant.operations.includes("RetireGrant")) {
    if (grantee === "direct") return allow(`the caller is the grantee and the grant allows RetireGrant`);
    if (await identityAllows()) return allow(`the grantee is account ${caller.accountId}, the grant allows RetireGrant and an identity policy allows ${ACTION}`);
  }
  trace.push(
    grantee === "none"
      ? `grantee ${grant.granteePrincipal}: is not the caller`
      : grant.operations.includes("RetireGrant")
        ? `grantee ${grant.granteePrincipal}: names the caller's account, but no identity policy allows kms:RetireGrant`
        : `grantee ${grant.granteePrincipal}: the grant's operations [${grant.operations.join(", ")}] do not include RetireGrant`,
  );

  if (grant.issuingAccount === accountRootArn(caller.accountId)) {
    if (who.isRoot) return allow(`the caller is the root user of account ${caller.accountId}, in which the grant was created`);
    if (await identityAllows()) return allow(`the grant was created in account ${caller.accountId} and an identity policy allows ${ACTION}`);
    trace.push(`the grant was created in account ${caller.accountId}, but no identity policy of the caller allows ${ACTION}`);
  } else trace.push(`the grant was created by ${grant.issuingAccount}, not by the caller's account`);

  const explicit = iam === "Deny";
  return {
    allowed: false,
    message: accessDeniedMessage(caller.principalArn, ACTION, resource, { explicit, policyType: "identity-based" }),
    trace: [...trace.render(), `decision: denied: ${explicit ? `an identity policy denies ${ACTION}` : "neither the grant nor an identity policy lets the caller retire it"}`],
  };
}
