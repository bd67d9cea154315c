import type { PutKeyPolicyRequest } from "../generated/kms-types.js";
import { checkPolicyDocument } from "../policy/check-policy-document.js";
import type { OpContext } from "./context.js";
import { mutateKey } from "./support/mutate-key.js";
import { checkPolicyName } from "./support/policy-name.js";
import { checkKeyState, useKey } from "./support/use-key.js";

export async function putKeyPolicy(ctx: OpContext, input: PutKeyPolicyRequest): Promise<Record<string, never>> {
  checkPolicyName(input.PolicyName);
  const key = await useKey(ctx, input.KeyId, {
    operation: "PutKeyPolicy",
    action: "kms:PutKeyPolicy",
    allowAlias: false,
    conditions: { "kms:BypassPolicyLockoutSafetyCheck": input.BypassPolicyLockoutSafetyCheck === true },
  });
  checkPolicyDocument(input.Policy);
  await mutateKey(ctx.store, key, (cur) => {
    checkKeyState(cur, "PutKeyPolicy");
    return { key: { ...cur, policy: input.Policy } };
  });
  return {};
}
