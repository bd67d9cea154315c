import type { PutKeyPolicyRequest } from "../generated/kms-types.js";
import type { OpContext } from "./context.js";
import { admitKeyPolicy, bypassCondition } from "./support/admit-policy.js";
import { mutateKey } from "./support/mutate-key.js";
import { checkPolicyName } from "./support/policy-name.js";
import { checkKeyState, useKey } from "./support/use-key.js";

export async function putKeyPolicy(ctx: OpContext, input: PutKeyPolicyRequest): Promise<Record<string, never>> {
  checkPolicyName(input.PolicyName);
  const key = await useKey(ctx, input.KeyId, {
    operation: "PutKeyPolicy",
    action: "kms:PutKeyPolicy",
    allowAlias: false,
    conditions: bypassCondition(input.BypassPolicyLockoutSafetyCheck),
  });
  await admitKeyPolicy(ctx, { ...key, policy: input.Policy }, input.BypassPolicyLockoutSafetyCheck === true);
  await mutateKey(ctx.store, key, (cur) => {
    checkKeyState(cur, "PutKeyPolicy");
    return { key: { ...cur, policy: input.Policy } };
  });
  return {};
}
