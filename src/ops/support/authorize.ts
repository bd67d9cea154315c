import { KmsError } from "../../domain/errors.js";
import type { AuthzRequest, Decision } from "../../policy/authorizer.js";
import type { OpContext } from "../context.js";

/** Asks the policy engine; throws AccessDeniedException with AWS's message when denied. */
export async function authorize(ctx: OpContext, request: AuthzRequest): Promise<Decision> {
  const decision = await ctx.authorizer.decide(ctx.caller, request, ctx.now());
  ctx.authorized.count++;
  if (!decision.allowed) throw accessDenied(ctx, request.action, decision);
  return decision;
}

export function accessDenied(ctx: OpContext, action: string, decision: { readonly message?: string }): KmsError {
  return new KmsError("AccessDeniedException", decision.message ?? `User: ${ctx.caller.principalArn} is not authorized to perform: ${action}`);
}
