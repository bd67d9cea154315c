import type { GetKeyPolicyRequest, GetKeyPolicyResponse } from "../generated/kms-types.js";
import type { OpContext } from "./context.js";
import { checkPolicyName } from "./support/policy-name.js";
import { useKey } from "./support/use-key.js";

export async function getKeyPolicy(ctx: OpContext, input: GetKeyPolicyRequest): Promise<GetKeyPolicyResponse> {
  const name = checkPolicyName(input.PolicyName);
  const key = await useKey(ctx, input.KeyId, { operation: "GetKeyPolicy", action: "kms:GetKeyPolicy", allowAlias: false });
  return { Policy: key.policy, PolicyName: name };
}
