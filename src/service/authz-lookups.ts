import { accountRootArn } from "../domain/arn.js";
import type { GrantRecord } from "../domain/grant-record.js";
import type { KeyRecord } from "../domain/key-record.js";
import type { Caller } from "../policy/authorizer.js";
import type { IdentityPolicySource, KmsAuthorizerLookups } from "../policy/kms-authorizer.js";
import { principalIdentity } from "../policy/request-context.js";
import type { Store } from "../store/store.js";

/** AWS allows 50 aliases per key; one page reads them all. */
const ALIAS_PAGE = 100;

/**
 * The policy engine's lookups, backed by the store (identities, aliases and grants live there).
 * Nothing is cached here: a policy attached with the CLI, an alias or a grant takes effect on the
 * next request (compiled policy texts are cached by the authorizer).
 *
 * Principals named in key policies must exist in this Trent: Trent is the whole identity
 * universe of its accounts, so a user or role ARN it does not hold (in any account, including
 * accounts this Trent does not serve) is refused as AWS refuses an unknown principal
 * ("Policy contains a statement with one or more invalid principals."). Account principals
 * (`111122223333`, `arn:aws:iam::111122223333:root`) are accepted for any account, as the policy
 * engine compiles them: they name an account, not an identity that must exist.
 */
export function storeAuthzLookups(store: Store): KmsAuthorizerLookups {
  return {
    async identityPolicies(principalArn: string): Promise<readonly IdentityPolicySource[]> {
      const p = await store.getPrincipal(principalArn);
      if (p === undefined) return [];
      const out: IdentityPolicySource[] = [];
      for (const name in p.policies) {
        const document = p.policies[name];
        if (document !== undefined) out.push({ name, document });
      }
      return out;
    },

    async principalExists(arn: string): Promise<boolean> {
      const p = await store.getPrincipal(arn);
      return p !== undefined && p.type !== "Root";
    },

    async resourceAliases(key: KeyRecord): Promise<readonly string[]> {
      const names: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.listAliases(key.accountId, key.region, key.keyId, after, ALIAS_PAGE);
        for (const a of page.items) names.push(a.aliasName);
        if (page.next === undefined) return names;
        after = page.next;
      }
    },

    async grantsFor(key: KeyRecord, caller: Caller): Promise<readonly GrantRecord[]> {
      return grantsForCaller(store, key, caller);
    },
  };
}

/**
 * Grants on `key` whose grantee is one of the forms the caller's identity takes: the ARN it
 * presented, its role (for a role session), and its account's root ARN (an account grantee,
 * which the authorizer honours only with an identity policy). Ordered by grant id, no repeats.
 */
export async function grantsForCaller(store: Store, key: KeyRecord, caller: Caller): Promise<GrantRecord[]> {
  const who = principalIdentity(caller);
  const forms = new Set([caller.principalArn, who.principalArn, accountRootArn(caller.accountId)]);
  const byId = new Map<string, GrantRecord>();
  for (const form of forms) for (const g of await store.listGrantsForGrantee(key.keyId, form)) byId.set(g.grantId, g);
  return [...byId.values()].sort((a, b) => (a.grantId < b.grantId ? -1 : a.grantId > b.grantId ? 1 : 0));
}
