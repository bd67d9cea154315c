/**
 * AccessDeniedException messages in AWS's format (IAM User Guide, "Troubleshoot access denied
 * error messages"; messages recorded from AWS KMS):
 *   User: ARN is not authorized to perform: ACTION on resource: RESOURCE because no TYPE policy allows the ACTION action
 *   User: ARN is not authorized to perform: ACTION on resource: RESOURCE with an explicit deny in a(n) TYPE policy
 * KMS words a Decrypt whose key came from the ciphertext (no KeyId) as "on the resource
 * associated with this ciphertext".
 */

export type PolicyType = "identity-based" | "resource-based";

export interface DenyReason {
  readonly explicit: boolean;
  readonly policyType: PolicyType;
}

/** `resource` is an ARN or "*"; undefined means the key named by a ciphertext. */
export function accessDeniedMessage(principalArn: string, action: string, resource: string | undefined, why: DenyReason): string {
  const on = resource === undefined ? "on the resource associated with this ciphertext" : `on resource: ${resource}`;
  const article = why.policyType === "identity-based" ? "an" : "a";
  const tail = why.explicit ? `with an explicit deny in ${article} ${why.policyType} policy` : `because no ${why.policyType} policy allows the ${action} action`;
  return `User: ${principalArn} is not authorized to perform: ${action} ${on} ${tail}`;
}
