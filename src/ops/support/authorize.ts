import { KmsError } from "../../domain/errors.js";
import type { AuthzRequest } from "../../policy/authorizer.js";
import type { OpContext } from "../context.js";

/** Asks the policy engine; throws AccessDeniedException with AWS's message when denied. */
export async function authorize(ctx: OpContext, request: AuthzRequest): Promise<void> {
  const decision = await ctx.authorizer.decide(ctx.caller, request, ctx.now());
  ctx.authorized.count++;
  if (!decision.allowed) {
    throw new KmsError(
      "AccessDeniedException",
      decision.message ?? `User: ${ctx.caller.principalArn} is not authorized to perform: ${request.action}`,
    );
  }
}
