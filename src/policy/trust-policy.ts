import { accountRootArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { Caller } from "./authorizer.js";
import { quickEffect } from "./evaluate.js";
import type { KmsAuthorizer } from "./kms-authorizer.js";
import { compilePolicy, type CompiledPolicy } from "./policy-document.js";
import { buildRequestContext, keyPolicyView, principalIdentity } from "./request-context.js";
import { TraceLines } from "./trace.js";

/** AWS's largest trust policy (IAM quotas: role trust policy length, raised limit). */
export const MAX_TRUST_POLICY_CHARS = 4096;

/** The trust policy of a role that has none: the role's own account (`arn:aws:iam::ACCT:root`). */
export function defaultTrustPolicy(accountId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: accountRootArn(accountId) }, Action: "sts:AssumeRole" }],
  });
}

function malformed(message: string): KmsError {
  return new KmsError("MalformedPolicyDocumentException", message);
}

/**
 * Validates and compiles a trust policy: a resource-based policy whose statements each need a
 * Principal (or NotPrincipal) and have no Resource (the role is the resource). Throws
 * MalformedPolicyDocumentException.
 */
export function compileTrustPolicy(text: string): CompiledPolicy {
  if (text.length > MAX_TRUST_POLICY_CHARS) throw malformed(`The trust policy is longer than ${MAX_TRUST_POLICY_CHARS} characters.`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed("The policy document is not valid JSON.");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw malformed("The policy document must be a JSON object.");
  const d = { ...(doc as Record<string, unknown>) };
  const st = d["Statement"];
  if (st !== undefined) {
    const list = Array.isArray(st) ? (st as unknown[]) : [st];
    d["Statement"] = list.map((s, i) => {
      if (typeof s !== "object" || s === null || Array.isArray(s)) return s;
      const r = s as Record<string, unknown>;
      if (r["Resource"] !== undefined || r["NotResource"] !== undefined) throw malformed(`Statement ${i}: a trust policy has no Resource element.`);
      return { ...r, Resource: "*" };
    });
  }
  return compilePolicy(JSON.stringify(d), "key");
}

export interface AssumeRoleDecision {
  readonly allowed: boolean;
  readonly reason: string;
}

/**
 * Whether the caller may assume the role (IAM User Guide, "Cross-account policy evaluation
 * logic"; "How IAM roles differ from resource-based policies"). The trust policy is the role's
 * resource-based policy for sts:AssumeRole. An explicit Deny in it or in the caller's identity
 * policies denies. In the role's account, a trust policy naming the caller itself suffices; one
 * naming only the caller's account needs an identity policy allowing sts:AssumeRole on the role
 * too (the account root needs none). From another account, both the trust policy (naming the
 * caller or its account) and an identity policy are needed.
 */
export async function decideAssumeRole(
  engine: KmsAuthorizer,
  caller: Caller,
  role: { readonly arn: string; readonly accountId: string; readonly trustPolicy?: string | undefined },
  sessionName: string,
  now: number,
  externalId?: string,
): Promise<AssumeRoleDecision> {
  let trust: CompiledPolicy;
  try {
    trust = compileTrustPolicy(role.trustPolicy ?? defaultTrustPolicy(role.accountId));
  } catch {
    return { allowed: false, reason: "the role's trust policy does not compile" };
  }
  const request = {
    action: "sts:AssumeRole",
    resource: role.arn,
    conditions: { "sts:RoleSessionName": sessionName, ...(externalId !== undefined ? { "sts:ExternalId": externalId } : {}) },
  };
  const who = principalIdentity(caller);
  const ctx = buildRequestContext({ caller, request, now, aliases: [], who });
  const t = quickEffect(trust, keyPolicyView(ctx));
  if (t.deny) return { allowed: false, reason: "the trust policy denies sts:AssumeRole" };
  const identity = await engine.identityEffect(caller, request, now, new TraceLines());
  if (identity === "Deny") return { allowed: false, reason: "an identity policy denies sts:AssumeRole" };
  if (identity === "Invalid") return { allowed: false, reason: "an identity policy of the caller does not compile" };
  const identityAllows = who.isRoot || identity === "Allow";
  if (!t.allowDirect && !t.allowAccount) return { allowed: false, reason: "the trust policy does not allow the caller" };
  if (caller.accountId === role.accountId && t.allowDirect) return { allowed: true, reason: "the trust policy allows the caller" };
  if (identityAllows) return { allowed: true, reason: "the trust policy allows the caller (or its account) and an identity policy allows sts:AssumeRole" };
  return { allowed: false, reason: "no identity policy of the caller allows sts:AssumeRole on the role" };
}
