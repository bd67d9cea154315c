import type { ListKeyPoliciesRequest, ListKeyPoliciesResponse } from "../generated/kms-types.js";
import type { OpContext } from "./context.js";
import { useKey } from "./support/use-key.js";

export async function listKeyPolicies(ctx: OpContext, input: ListKeyPoliciesRequest): Promise<ListKeyPoliciesResponse> {
  await useKey(ctx, input.KeyId, { operation: "ListKeyPolicies", action: "kms:ListKeyPolicies", allowAlias: false });
  return { PolicyNames: ["default"], Truncated: false };
}
