import { keyArn } from "../domain/arn.js";
import { isKmsError } from "../domain/errors.js";
import type { KeyRecord } from "../domain/key-record.js";
import type { Authorizer, AuthzRequest, Caller, Decision, RetirableGrant } from "./authorizer.js";
import { isCrossAccountAction } from "./cross-account.js";
import { accessDeniedMessage, type DenyReason } from "./deny-message.js";
import { evaluatePolicy, policyEffect, quickEffect, type PolicyEffect } from "./evaluate.js";
import { checkGrantConstraints, matchGrantee, type GrantLike } from "./grants.js";
import { checkPolicyLockout } from "./lockout-check.js";
import { decideRetire } from "./retire-grant.js";
import { PolicyCache } from "./policy-cache.js";
import { checkPrincipalsExist, type CompiledPolicy } from "./policy-document.js";
import { buildRequestContext, keyPolicyView, principalIdentity, type RequestContext } from "./request-context.js";
import { NO_TRACE, statementLine, TraceLines, type TraceSink } from "./trace.js";

/** An identity policy attached to the caller; a bare string is named by its position. */
export type IdentityPolicySource = string | { readonly name: string; readonly document: string };

/** What the authorizer needs from the rest of Trent, injected so that the policy engine has no I/O. */
export interface KmsAuthorizerLookups {
  /** Identity (IAM) policies attached to a user or role, by its ARN (aws:PrincipalArn). */
  identityPolicies(principalArn: string): Promise<readonly IdentityPolicySource[]>;
  /** Whether a user or role ARN names an existing principal (key policy validation). */
  principalExists(arn: string): Promise<boolean> | boolean;
  /** Alias names (alias/...) of a key, for kms:ResourceAliases. Asked only when a policy uses that key. */
  resourceAliases(key: KeyRecord): Promise<readonly string[]>;
  /** Grants on a key that may apply to the caller. */
  grantsFor?(key: KeyRecord, caller: Caller): Promise<readonly GrantLike[]>;
}

export interface KmsAuthorizerOptions {
  /** Compiled-policy cache; one is created (1024 entries) when not given. */
  readonly cache?: PolicyCache;
  /**
   * Whether allowed decisions carry the full trace (default true). The service turns it off: a
   * denial always carries its trace, an allowed request then words none of it (the explainer
   * keeps it on).
   */
  readonly traceAllowed?: boolean;
}

interface LoadedIdentityPolicy {
  readonly name: string;
  readonly policy: CompiledPolicy;
}

const usesAliases = new WeakMap<CompiledPolicy, boolean>();

function policyUsesResourceAliases(p: CompiledPolicy): boolean {
  let v = usesAliases.get(p);
  if (v === undefined) {
    v = p.statements.some((s) =>
      s.conditions.some((c) => c.key.toLowerCase() === "kms:resourcealiases" || c.values.some((x) => x.text.toLowerCase().includes("${kms:resourcealiases"))),
    );
    usesAliases.set(p, v);
  }
  return v;
}

/** Keys whose compiled policy is remembered by key id (beyond this, the text cache answers). */
const MAX_KEYS_REMEMBERED = 10_000;

function quickAllow(line: string): Decision {
  return { allowed: true, trace: [`decision: allowed: ${line}`] };
}

function encryptionContextOf(request: AuthzRequest): Readonly<Record<string, string>> {
  if (request.encryptionContext !== undefined) return request.encryptionContext;
  const out: Record<string, string> = {};
  const prefix = "kms:encryptioncontext:";
  for (const [k, v] of Object.entries(request.conditions ?? {})) {
    if (k.toLowerCase().startsWith(prefix) && typeof v === "string") out[k.slice(prefix.length)] = v;
  }
  return out;
}

/**
 * AWS KMS authorization (KMS developer guide, "Troubleshooting key access" flowchart; "Default
 * key policy"; "Allowing users in other accounts to use a KMS key"):
 *
 * 1. An explicit Deny in the key policy or in an identity policy of the caller denies.
 * 2. On a key of another account, only the cross-account operations can be allowed at all.
 * 3. The key policy must allow. A statement whose Principal names the caller (its ARN, its role,
 *    or "*") allows a caller of the key's account outright. A statement naming the caller's
 *    account allows only when an identity policy of the caller allows too (delegation). A caller
 *    of another account always needs an identity policy as well. The account root user is the
 *    account principal and needs no identity policy; it has no access the key policy withholds.
 * 4. Otherwise a grant whose grantee is the caller and whose operations include the operation
 *    (constraints satisfied) allows.
 * Account-level actions (no key) are decided by identity policies; the root user may do them all.
 * Key policies cannot see aws:ResourceTag/* or kms:ResourceAliases (IAM policies only).
 */
export class KmsAuthorizer implements Authorizer {
  readonly #lookups: KmsAuthorizerLookups;
  readonly #cache: PolicyCache;
  readonly #traceAllowed: boolean;
  /** The compiled policy last seen for each key, with the text it was compiled from. */
  readonly #byKey = new Map<string, { text: string; policy: CompiledPolicy }>();

  constructor(lookups: KmsAuthorizerLookups, options: KmsAuthorizerOptions = {}) {
    this.#lookups = lookups;
    this.#cache = options.cache ?? new PolicyCache();
    this.#traceAllowed = options.traceAllowed ?? true;
  }

  /** The same engine (lookups and compiled-policy cache) with other options. */
  withOptions(options: Omit<KmsAuthorizerOptions, "cache">): KmsAuthorizer {
    return new KmsAuthorizer(this.#lookups, { ...options, cache: this.#cache });
  }

  get cache(): PolicyCache {
    return this.#cache;
  }

  async decide(caller: Caller, request: AuthzRequest, now: number): Promise<Decision> {
    if (!this.#traceAllowed) {
      const fast = await this.#allowedQuickly(caller, request, now);
      if (fast !== undefined) return fast;
    }
    return this.#decideWithTrace(caller, request, now);
  }

  /**
   * The same decision as #decideWithTrace when it is an allow, reached without building any
   * outcome or trace; undefined when the request is not allowed this way (the traced path then
   * decides, and words the denial).
   */
  async #allowedQuickly(caller: Caller, request: AuthzRequest, now: number): Promise<Decision | undefined> {
    const who = principalIdentity(caller);
    const key = request.key;
    const action = request.action;
    let identity: LoadedIdentityPolicy[] = [];
    if (!who.isRoot) {
      const loaded = await this.#loadIdentityPolicies(who.principalArn, NO_TRACE);
      if (loaded === undefined) return undefined;
      identity = loaded;
    }
    const aliases = key !== undefined && identity.some((p) => policyUsesResourceAliases(p.policy)) ? await this.#lookups.resourceAliases(key) : [];
    const ctx = buildRequestContext({ caller, request, now, aliases, who });
    let identityAllow = false;
    for (const p of identity) {
      const e = quickEffect(p.policy, ctx);
      if (e.deny) return undefined;
      if (e.allowDirect || e.allowAccount) identityAllow = true;
    }
    const identityAllows = who.isRoot || identityAllow;
    if (key === undefined) return identityAllows ? quickAllow(who.isRoot ? "the root user may perform every account-level action" : `an identity policy allows ${action}`) : undefined;

    let keyPolicy: CompiledPolicy;
    try {
      keyPolicy = this.#keyPolicy(key);
    } catch {
      return undefined;
    }
    const kp = quickEffect(keyPolicy, keyPolicyView(ctx));
    if (kp.deny) return undefined;
    const crossAccount = key.accountId !== caller.accountId;
    if (crossAccount && !isCrossAccountAction(action)) return undefined;
    if (!crossAccount) {
      if (kp.allowDirect) return quickAllow(`the key policy allows the caller ${action}`);
      if (kp.allowAccount && identityAllows) return quickAllow(`the key policy delegates ${action} to account ${caller.accountId} and an identity policy allows it`);
    } else if ((kp.allowDirect || kp.allowAccount) && identityAllows) {
      return quickAllow(`the key policy allows ${kp.allowDirect ? "the caller" : `account ${caller.accountId}`} ${action} and an identity policy of the caller allows it`);
    }
    const grant = await this.#grantAllowing(key, caller, request, ctx, identityAllows, NO_TRACE);
    return grant === undefined ? undefined : { ...quickAllow(`grant ${grant.grantId} allows ${action}`), grant };
  }

  async #decideWithTrace(caller: Caller, request: AuthzRequest, now: number): Promise<Decision> {
    const trace = new TraceLines();
    const who = principalIdentity(caller);
    const key = request.key;
    const action = request.action;
    const resource = key === undefined ? "*" : keyArn(key.region, key.accountId, key.keyId);
    const crossAccount = key !== undefined && key.accountId !== caller.accountId;
    const msgResource = key !== undefined && request.resourceFromCiphertext === true ? undefined : resource;
    const deny = (why: DenyReason, line: string): Decision => ({
      allowed: false,
      message: accessDeniedMessage(caller.principalArn, action, msgResource, why),
      trace: [...trace.render(), `decision: denied: ${line}`],
    });
    const allow = (line: string): Decision => ({
      allowed: true,
      trace: this.#traceAllowed ? [...trace.render(), `decision: allowed: ${line}`] : [`decision: allowed: ${line}`],
    });

    trace.push(
      () =>
        `request: ${caller.principalArn} ${action} on ${resource}` +
        (key === undefined ? " (account-level action)" : crossAccount ? ` (cross-account: caller account ${caller.accountId}, key account ${key.accountId})` : " (same account)"),
    );

    // Identity policies of the caller (the root user has none and needs none).
    let identity: LoadedIdentityPolicy[] = [];
    if (who.isRoot) {
      trace.push(() => `caller is the root user of account ${caller.accountId}: no identity policy is needed in its own account`);
    } else {
      const loaded = await this.#loadIdentityPolicies(who.principalArn, trace);
      if (loaded === undefined) return deny({ explicit: false, policyType: "identity-based" }, "an identity policy of the caller does not compile");
      identity = loaded;
    }

    const aliases = key !== undefined && identity.some((p) => policyUsesResourceAliases(p.policy)) ? await this.#lookups.resourceAliases(key) : [];
    const ctx = buildRequestContext({ caller, request, now, aliases, who });

    let identityDeny = false;
    let identityAllow = false;
    for (const p of identity) {
      const outcomes = evaluatePolicy(p.policy, ctx);
      for (const o of outcomes) trace.push(() => statementLine(`identity policy ${JSON.stringify(p.name)}`, o));
      const e = policyEffect(outcomes);
      if (e === "Deny") identityDeny = true;
      if (e === "Allow") identityAllow = true;
    }
    if (!who.isRoot && identity.length === 0) trace.push(() => `no identity policies are attached to ${who.principalArn}`);
    const identityAllows = who.isRoot || identityAllow;

    if (key === undefined) {
      if (identityDeny) return deny({ explicit: true, policyType: "identity-based" }, `an identity policy denies ${action}`);
      if (who.isRoot) return allow(`the root user may perform every account-level action`);
      if (identityAllow) return allow(`an identity policy allows ${action}`);
      return deny({ explicit: false, policyType: "identity-based" }, `no identity policy allows ${action}`);
    }

    let keyPolicy: CompiledPolicy;
    try {
      keyPolicy = this.#keyPolicy(key);
    } catch (e) {
      trace.push(`key policy does not compile: ${isKmsError(e) ? e.message : String(e)}`);
      return deny({ explicit: false, policyType: "resource-based" }, "the key policy does not compile");
    }
    const kp = evaluatePolicy(keyPolicy, keyPolicyView(ctx));
    for (const o of kp) trace.push(() => statementLine("key policy", o));

    if (kp.some((o) => o.applies && o.statement.effect === "Deny")) {
      return deny({ explicit: true, policyType: "resource-based" }, `a key policy statement denies ${action}`);
    }
    if (identityDeny) return deny({ explicit: true, policyType: "identity-based" }, `an identity policy denies ${action}`);
    if (crossAccount && !isCrossAccountAction(action)) {
      return deny({ explicit: false, policyType: "resource-based" }, `${action} cannot be performed on a KMS key in another account`);
    }

    const allows = kp.filter((o) => o.applies && o.statement.effect === "Allow");
    const direct = allows.some((o) => o.principalMatch === "direct");
    const delegated = allows.some((o) => o.principalMatch === "account");

    if (!crossAccount) {
      if (direct) return allow(`the key policy allows the caller ${action}`);
      if (delegated && identityAllows) return allow(`the key policy delegates ${action} to account ${caller.accountId} and an identity policy allows it`);
    } else if ((direct || delegated) && identityAllows) {
      return allow(`the key policy allows ${direct ? "the caller" : `account ${caller.accountId}`} ${action} and an identity policy of the caller allows it`);
    }

    const grant = await this.#grantAllowing(key, caller, request, ctx, identityAllows, trace);
    if (grant !== undefined) return { ...allow(`grant ${grant.grantId} allows ${action}`), grant };

    if (!direct && !delegated) return deny({ explicit: false, policyType: "resource-based" }, `no key policy statement allows the caller ${action}`);
    return deny(
      { explicit: false, policyType: "identity-based" },
      direct ? `the key policy allows the caller ${action} but a caller of another account also needs an identity policy that allows it` : `the key policy delegates ${action} to account ${caller.accountId} but no identity policy allows it`,
    );
  }

  /**
   * Admits a key policy for CreateKey or PutKeyPolicy: it must compile, name only existing users
   * and roles, and (unless the lockout safety check is bypassed) allow the caller a later
   * PutKeyPolicy. `key` carries the new policy (for CreateKey, the key about to be created).
   */
  async admitKeyPolicy(caller: Caller, key: KeyRecord, now: number, options: { readonly bypassLockoutSafetyCheck: boolean }): Promise<CompiledPolicy> {
    const policy = this.#cache.get("key", key.policy);
    await checkPrincipalsExist(policy, (arn) => this.#lookups.principalExists(arn));
    if (!options.bypassLockoutSafetyCheck) await checkPolicyLockout(this, caller, key, now);
    return policy;
  }

  /**
   * RetireGrant: allowed to the grant's retiring principal, to its grantee when the grant lists
   * RetireGrant, and to the account that created the grant (see retire-grant.ts).
   */
  decideRetireGrant(caller: Caller, key: KeyRecord, grant: RetirableGrant, now: number): Promise<Decision> {
    return decideRetire((req, trace) => this.identityEffect(caller, req, now, trace), caller, key, grant);
  }

  /**
   * The caller's identity policies alone, evaluated for one request; lines go to `trace`. The
   * root user has none ("NotApplicable"); a policy that does not compile gives "Invalid".
   */
  async identityEffect(caller: Caller, request: AuthzRequest, now: number, trace: TraceLines): Promise<PolicyEffect | "Invalid"> {
    const who = principalIdentity(caller);
    if (who.isRoot) return "NotApplicable";
    const loaded = await this.#loadIdentityPolicies(who.principalArn, trace);
    if (loaded === undefined) return "Invalid";
    if (loaded.length === 0) trace.push(`no identity policies are attached to ${who.principalArn}`);
    const key = request.key;
    const aliases = key !== undefined && loaded.some((p) => policyUsesResourceAliases(p.policy)) ? await this.#lookups.resourceAliases(key) : [];
    const ctx = buildRequestContext({ caller, request, now, aliases, who });
    let effect: PolicyEffect = "NotApplicable";
    for (const p of loaded) {
      const outcomes = evaluatePolicy(p.policy, ctx);
      for (const o of outcomes) trace.push(() => statementLine(`identity policy ${JSON.stringify(p.name)}`, o));
      const e = policyEffect(outcomes);
      if (e === "Deny") effect = "Deny";
      else if (e === "Allow" && effect !== "Deny") effect = "Allow";
    }
    return effect;
  }

  /**
   * A key's compiled policy. Looked up by key id and checked against the text (the same string
   * instance from one store read to the next compares by pointer), so that a key policy of up to
   * 32 KB is neither hashed nor compared in full on every request; the text cache still compiles
   * each distinct text once.
   */
  #keyPolicy(key: KeyRecord): CompiledPolicy {
    const e = this.#byKey.get(key.keyId);
    if (e !== undefined && e.text === key.policy) {
      e.text = key.policy;
      return e.policy;
    }
    const policy = this.#cache.get("key", key.policy);
    if (this.#byKey.size >= MAX_KEYS_REMEMBERED) this.#byKey.clear();
    this.#byKey.set(key.keyId, { text: key.policy, policy });
    return policy;
  }

  async #loadIdentityPolicies(principalArn: string, trace: TraceSink): Promise<LoadedIdentityPolicy[] | undefined> {
    const sources = await this.#lookups.identityPolicies(principalArn);
    const out: LoadedIdentityPolicy[] = [];
    for (const [i, src] of sources.entries()) {
      const name = typeof src === "string" ? `#${i}` : src.name;
      const text = typeof src === "string" ? src : src.document;
      try {
        out.push({ name, policy: this.#cache.get("identity", text) });
      } catch (e) {
        trace.push(`identity policy ${JSON.stringify(name)} does not compile: ${isKmsError(e) ? e.message : String(e)}`);
        return undefined;
      }
    }
    return out;
  }

  async #grantAllowing(
    key: KeyRecord,
    caller: Caller,
    request: AuthzRequest,
    ctx: RequestContext,
    identityAllows: boolean,
    trace: TraceSink,
  ): Promise<GrantLike | undefined> {
    if (this.#lookups.grantsFor === undefined) return undefined;
    const grants = await this.#lookups.grantsFor(key, caller);
    if (grants.length === 0) return undefined;
    const operation = request.action.startsWith("kms:") ? request.action.slice(4) : request.action;
    const ec = encryptionContextOf(request);
    for (const g of grants) {
      const label = (): string => `grant ${g.grantId}${g.name !== undefined && g.name !== "" ? ` ${JSON.stringify(g.name)}` : ""}`;
      const grantee = matchGrantee(g.granteePrincipal, ctx.principal);
      if (grantee === "none") {
        trace.push(() => `${label()}: does not apply: grantee ${g.granteePrincipal} is not the caller`);
        continue;
      }
      if (!g.operations.includes(operation)) {
        trace.push(() => `${label()}: does not apply: operations [${g.operations.join(", ")}] do not include ${operation}`);
        continue;
      }
      if (grantee === "account" && !identityAllows) {
        trace.push(() => `${label()}: does not apply: the grantee is account ${caller.accountId} and no identity policy of the caller allows ${request.action}`);
        continue;
      }
      const c = checkGrantConstraints(g, operation, key.keySpec === "SYMMETRIC_DEFAULT", ec);
      if (!c.ok) {
        trace.push(() => `${label()}: does not apply: ${c.reason}`);
        continue;
      }
      trace.push(() => `${label()}: applies${c.note !== undefined ? ` (${c.note})` : ""}`);
      return g;
    }
    return undefined;
  }
}
