import { keyArn } from "../domain/arn.js";
import type { Authorizer, AuthzRequest, Caller, Decision } from "./authorizer.js";

/**
 * The decision AWS's default key policy gives: a principal of the key's account may use it.
 * Account-level actions are allowed to principals of the calling account.
 */
export class AccountAuthorizer implements Authorizer {
  async decide(caller: Caller, request: AuthzRequest): Promise<Decision> {
    const key = request.key;
    if (key === undefined) return { allowed: true, trace: ["account-level action by a principal of the account"] };
    if (key.accountId === caller.accountId) return { allowed: true, trace: ["key belongs to the caller's account"] };
    const resource = keyArn(key.region, key.accountId, key.keyId);
    return {
      allowed: false,
      message: `User: ${caller.principalArn} is not authorized to perform: ${request.action} on resource: ${resource} because no resource-based policy allows the ${request.action} action`,
      trace: ["key belongs to another account and no policy allows cross-account use"],
    };
  }
}
