import { conditionsHold, evaluateConditions, type ConditionOutcome } from "./conditions.js";
import { matchArn, unresolvedVariables } from "./pattern.js";
import type { CompiledPolicy, CompiledStatement } from "./policy-document.js";
import { matchPrincipal, type PrincipalMatch } from "./principal.js";
import { variableLookup, type RequestContext } from "./request-context.js";

/**
 * Evaluates compiled statements against a request context. A statement applies when its
 * principal (key policies), action, resource and every condition match. The outcome of each
 * statement says which element stopped it, for the trace.
 */

export type StatementElement = "Principal" | "NotPrincipal" | "Action" | "NotAction" | "Resource" | "NotResource" | "Condition";

export interface StatementOutcome {
  readonly statement: CompiledStatement;
  readonly applies: boolean;
  /** For key policies: how the Principal element names the caller (when it does). */
  readonly principalMatch?: PrincipalMatch;
  /** The first element that did not match. */
  readonly failed?: { readonly element: StatementElement; readonly detail: string };
  readonly conditions: readonly ConditionOutcome[];
}

export type PolicyEffect = "Deny" | "Allow" | "NotApplicable";

function list(texts: readonly { text: string }[]): string {
  return texts.length === 1 ? (texts[0]?.text ?? "") : `[${texts.map((t) => t.text).join(", ")}]`;
}

function actionMatches(s: CompiledStatement, action: string): boolean {
  const hit = s.action.patterns.some((p) => p.re.test(action));
  return s.action.not ? !hit : hit;
}

type ResourceCheck = { ok: true } | { ok: false; detail: () => string };

const MATCHED: ResourceCheck = { ok: true };

function resourceMatches(s: CompiledStatement, ctx: RequestContext): ResourceCheck {
  let lookup: ((name: string) => string | undefined) | undefined;
  let hit = false;
  for (const p of s.resource.patterns) {
    if (p.all) {
      hit = true;
      break;
    }
    if (p.arn === undefined || ctx.resource === "*") continue;
    lookup ??= variableLookup(ctx);
    const m = matchArn(p.arn, ctx.resource, lookup, true);
    if (m === "unresolved") {
      const arn = p.arn;
      const vars = lookup;
      return {
        ok: false,
        detail: () => `policy variable ${arn.segments.flatMap((seg) => unresolvedVariables(seg, vars)).map((n) => "${" + n + "}").join(", ")} in ${p.text} has no value`,
      };
    }
    if (m === "match") {
      hit = true;
      break;
    }
  }
  if (s.resource.not ? !hit : hit) return MATCHED;
  const el = s.resource.not ? "NotResource" : "Resource";
  return {
    ok: false,
    detail: () => (s.resource.not ? `${ctx.resource} is listed in ${el} ${list(s.resource.patterns)}` : `${ctx.resource} is not matched by ${el} ${list(s.resource.patterns)}`),
  };
}

/** The element that stopped a statement; its detail is worded only when read (traces, explain). */
class Failure {
  readonly element: StatementElement;
  #detail: (() => string) | string;

  constructor(element: StatementElement, detail: () => string) {
    this.element = element;
    this.#detail = detail;
  }

  get detail(): string {
    if (typeof this.#detail !== "string") this.#detail = this.#detail();
    return this.#detail;
  }
}

const NO_CONDITIONS: readonly ConditionOutcome[] = [];

export function evaluateStatement(s: CompiledStatement, ctx: RequestContext): StatementOutcome {
  let principalMatch: PrincipalMatch | undefined;
  if (s.principal !== undefined) {
    const p = s.principal;
    principalMatch = matchPrincipal(p, ctx.principal);
    if (principalMatch === "none") {
      const failed = new Failure(p.not ? "NotPrincipal" : "Principal", () =>
        p.not ? `${ctx.principal.arn} is excluded by NotPrincipal ${list(p.entries)}` : `${ctx.principal.arn} is not named by Principal ${list(p.entries)}`,
      );
      return { statement: s, applies: false, principalMatch, failed, conditions: NO_CONDITIONS };
    }
  }
  if (!actionMatches(s, ctx.action)) {
    const failed = new Failure(s.action.not ? "NotAction" : "Action", () =>
      s.action.not ? `${ctx.action} is listed in NotAction ${list(s.action.patterns)}` : `${ctx.action} is not matched by Action ${list(s.action.patterns)}`,
    );
    return principalMatch === undefined
      ? { statement: s, applies: false, failed, conditions: NO_CONDITIONS }
      : { statement: s, applies: false, principalMatch, failed, conditions: NO_CONDITIONS };
  }
  const r = resourceMatches(s, ctx);
  if (!r.ok) {
    const failed = new Failure(s.resource.not ? "NotResource" : "Resource", r.detail);
    return principalMatch === undefined
      ? { statement: s, applies: false, failed, conditions: NO_CONDITIONS }
      : { statement: s, applies: false, principalMatch, failed, conditions: NO_CONDITIONS };
  }
  if (s.conditions.length === 0) {
    return principalMatch === undefined ? { statement: s, applies: true, conditions: NO_CONDITIONS } : { statement: s, applies: true, principalMatch, conditions: NO_CONDITIONS };
  }
  const c = evaluateConditions(s.conditions, ctx);
  if (!c.ok) {
    const last = c.outcomes[c.outcomes.length - 1];
    const failed = new Failure("Condition", () => last?.reason ?? "condition failed");
    return principalMatch === undefined
      ? { statement: s, applies: false, failed, conditions: c.outcomes }
      : { statement: s, applies: false, principalMatch, failed, conditions: c.outcomes };
  }
  return principalMatch === undefined ? { statement: s, applies: true, conditions: c.outcomes } : { statement: s, applies: true, principalMatch, conditions: c.outcomes };
}

export function evaluatePolicy(policy: CompiledPolicy, ctx: RequestContext): StatementOutcome[] {
  return policy.statements.map((s) => evaluateStatement(s, ctx));
}

/** What a policy says about a request, without the per-statement outcomes (the allow fast path). */
export interface QuickEffect {
  /** An applicable Deny statement. */
  readonly deny: boolean;
  /** An applicable Allow statement whose Principal names the caller (or has no Principal). */
  readonly allowDirect: boolean;
  /** An applicable Allow statement whose Principal names only the caller's account. */
  readonly allowAccount: boolean;
}

/** Per policy, the statements whose Action / NotAction matches an action, by action (a policy is compiled once, actions are few). */
const byAction = new WeakMap<CompiledPolicy, Map<string, readonly CompiledStatement[]>>();

function statementsFor(policy: CompiledPolicy, action: string): readonly CompiledStatement[] {
  let index = byAction.get(policy);
  if (index === undefined) {
    index = new Map();
    byAction.set(policy, index);
  }
  let list = index.get(action);
  if (list === undefined) {
    list = policy.statements.filter((s) => actionMatches(s, action));
    // Actions come from Trent's operations, so this stays small; a flood of made-up ones cannot grow it without bound.
    if (index.size < 512) index.set(action, list);
  }
  return list;
}

/**
 * The same judgement as evaluatePolicy + policyEffect, statement by statement with the same
 * matching functions, but allocating no outcome and wording nothing.
 */
export function quickEffect(policy: CompiledPolicy, ctx: RequestContext): QuickEffect {
  let deny = false;
  let allowDirect = false;
  let allowAccount = false;
  for (const s of statementsFor(policy, ctx.action)) {
    // Once a Deny applies nothing else can change the answer.
    if (deny) break;
    // An Allow adds nothing once a direct Allow has been found; only Deny statements still matter.
    if (s.effect === "Allow" && allowDirect) continue;
    let match: PrincipalMatch = "direct";
    if (s.principal !== undefined) {
      match = matchPrincipal(s.principal, ctx.principal);
      if (match === "none") continue;
    }
    if (!resourceMatches(s, ctx).ok) continue;
    if (s.conditions.length > 0 && !conditionsHold(s.conditions, ctx)) continue;
    if (s.effect === "Deny") deny = true;
    else if (match === "direct") allowDirect = true;
    else allowAccount = true;
  }
  return { deny, allowDirect, allowAccount };
}

/** Deny if any applicable statement denies; Allow if any allows; otherwise not applicable. */
export function policyEffect(outcomes: readonly StatementOutcome[]): PolicyEffect {
  let allow = false;
  for (const o of outcomes) {
    if (!o.applies) continue;
    if (o.statement.effect === "Deny") return "Deny";
    allow = true;
  }
  return allow ? "Allow" : "NotApplicable";
}
