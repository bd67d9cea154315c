import type { KeyRecord } from "../../domain/key-record.js";
import { checkPolicyDocument } from "../../policy/check-policy-document.js";
import type { OpContext } from "../context.js";

/**
 * CreateKey (with a Policy) and PutKeyPolicy: the policy must be well formed, name only users and
 * roles that exist, and (unless BypassPolicyLockoutSafetyCheck) let the caller make a later
 * PutKeyPolicy request. Throws MalformedPolicyDocumentException with AWS's messages
 * ("Policy contains a statement with one or more invalid principals.", "The new key policy will
 * not allow you to update the key policy in the future.").
 */
export async function admitKeyPolicy(ctx: OpContext, keyWithPolicy: KeyRecord, bypassLockoutSafetyCheck: boolean): Promise<void> {
  const a = ctx.authorizer;
  if (a.admitKeyPolicy === undefined) {
    checkPolicyDocument(keyWithPolicy.policy);
    return;
  }
  await a.admitKeyPolicy(ctx.caller, keyWithPolicy, ctx.now(), { bypassLockoutSafetyCheck });
}

/** kms:BypassPolicyLockoutSafetyCheck, present only when the request sends the parameter. */
export function bypassCondition(value: boolean | undefined): Record<string, boolean> {
  return value === undefined ? {} : { "kms:BypassPolicyLockoutSafetyCheck": value };
}
