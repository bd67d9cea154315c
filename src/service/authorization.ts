import type { CallOutcome } from "../api/dispatcher.js";
import { keyArn } from "../domain/arn.js";
import type { KeyRecord } from "../domain/key-record.js";
import type { Authorizer, AuthzRequest, Caller, Decision, RetirableGrant } from "../policy/authorizer.js";
import { KmsAuthorizer } from "../policy/kms-authorizer.js";
import type { Store } from "../store/store.js";
import { storeAuthzLookups } from "./authz-lookups.js";

interface Denial {
  readonly action: string;
  readonly resource: string;
  readonly decision: Decision;
}

/**
 * The service's authorizer: the policy engine (KmsAuthorizer over the store) plus a note of every
 * denial, kept against the request's Caller object (one per request) until the request's outcome
 * is known, so that a denied call's decision trace is logged under its request id.
 */
export class ServiceAuthorizer implements Authorizer {
  readonly engine: KmsAuthorizer;
  readonly #denials = new WeakMap<Caller, Denial[]>();

  constructor(engine: KmsAuthorizer) {
    this.engine = engine;
  }

  /** Over the store; allowed decisions carry no trace (denials always do), as the hot path wants. */
  static forStore(store: Store): ServiceAuthorizer {
    return new ServiceAuthorizer(new KmsAuthorizer(storeAuthzLookups(store), { traceAllowed: false }));
  }

  /** The engine with full traces for allowed decisions too (the explainer), sharing its cache. */
  explainer(): KmsAuthorizer {
    return this.engine.withOptions({ traceAllowed: true });
  }

  async decide(caller: Caller, request: AuthzRequest, now: number): Promise<Decision> {
    const d = await this.engine.decide(caller, request, now);
    if (!d.allowed) this.#note(caller, request.action, request.key, d);
    return d;
  }

  admitKeyPolicy(caller: Caller, key: KeyRecord, now: number, options: { readonly bypassLockoutSafetyCheck: boolean }): Promise<unknown> {
    return this.engine.admitKeyPolicy(caller, key, now, options);
  }

  async decideRetireGrant(caller: Caller, key: KeyRecord, grant: RetirableGrant, now: number): Promise<Decision> {
    const d = await this.engine.decideRetireGrant(caller, key, grant, now);
    if (!d.allowed) this.#note(caller, "kms:RetireGrant", key, d);
    return d;
  }

  /** The denials recorded for this request's caller, forgotten once taken. */
  takeDenials(caller: Caller): readonly Denial[] {
    const list = this.#denials.get(caller) ?? [];
    this.#denials.delete(caller);
    return list;
  }

  #note(caller: Caller, action: string, key: KeyRecord | undefined, decision: Decision): void {
    const resource = key === undefined ? "*" : keyArn(key.region, key.accountId, key.keyId);
    const list = this.#denials.get(caller);
    const entry = { action, resource, decision };
    if (list === undefined) this.#denials.set(caller, [entry]);
    else list.push(entry);
  }
}

/**
 * Logs the decision trace of a call answered with AccessDeniedException (JSON log line, under the
 * request id). Traces name principals, actions, resources, policy statements and condition
 * values (encryption context pairs as CloudTrail records them); never plaintext or key material.
 */
export function logDenials(authorizer: ServiceAuthorizer, outcome: CallOutcome, log: (line: Record<string, unknown>) => void): void {
  if (outcome.caller === undefined) return;
  const denials = authorizer.takeDenials(outcome.caller);
  if (outcome.errorCode !== "AccessDeniedException") return;
  for (const d of denials) {
    log({
      level: "info",
      msg: "access denied",
      requestId: outcome.requestId,
      operation: outcome.operation,
      principal: outcome.caller.principalArn,
      action: d.action,
      resource: d.resource,
      reason: d.decision.message,
      trace: d.decision.trace,
    });
  }
}
