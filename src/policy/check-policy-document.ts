import { compilePolicy, MAX_KEY_POLICY_BYTES } from "./policy-document.js";

export { MAX_KEY_POLICY_BYTES };

/**
 * Validates a key policy document as CreateKey and PutKeyPolicy do before storing it: size
 * (LimitExceededException), characters, JSON, the policy grammar, principals, actions,
 * resources and condition operators (MalformedPolicyDocumentException). Returns the parsed JSON.
 *
 * Whether the named users and roles exist, and the lockout safety check, need lookups: use
 * `KmsAuthorizer.admitKeyPolicy` (or `checkPrincipalsExist` and `checkPolicyLockout`).
 */
export function checkPolicyDocument(text: string): Record<string, unknown> {
  compilePolicy(text, "key");
  return JSON.parse(text) as Record<string, unknown>;
}
