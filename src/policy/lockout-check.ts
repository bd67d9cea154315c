import type { KeyRecord } from "../domain/key-record.js";
import type { Authorizer, Caller } from "./authorizer.js";
import { malformed, POLICY_MESSAGES } from "./policy-errors.js";

/**
 * The key policy lockout safety check of CreateKey and PutKeyPolicy: the new key policy must
 * allow the calling principal to make a subsequent PutKeyPolicy request on the key (KMS API
 * reference, CreateKey/PutKeyPolicy "Policy"). Otherwise KMS answers
 * MalformedPolicyDocumentException "The new key policy will not allow you to update the key
 * policy in the future." The caller skips this check when BypassPolicyLockoutSafetyCheck is true.
 *
 * The check asks the authorizer as a later PutKeyPolicy would be asked: the caller's identity
 * policies count (a policy delegating to the account passes for a caller whose IAM policy
 * allows kms:PutKeyPolicy), request-specific condition keys are absent.
 *
 * `keyWithNewPolicy` is the key as it will be: for PutKeyPolicy the existing key with the new
 * policy text, for CreateKey the key about to be created.
 */
export async function checkPolicyLockout(authorizer: Authorizer, caller: Caller, keyWithNewPolicy: KeyRecord, now: number): Promise<void> {
  const decision = await authorizer.decide(caller, { action: "kms:PutKeyPolicy", key: keyWithNewPolicy }, now);
  if (!decision.allowed) throw malformed(POLICY_MESSAGES.lockout);
}
