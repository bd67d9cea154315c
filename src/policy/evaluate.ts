import { evaluateConditions, type ConditionOutcome } from "./conditions.js";
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

type ResourceCheck = { ok: true } | { ok: false; detail: string };

function resourceMatches(s: CompiledStatement, ctx: RequestContext): ResourceCheck {
  const lookup = variableLookup(ctx);
  let hit = false;
  for (const p of s.resource.patterns) {
    if (p.all) {
      hit = true;
      break;
    }
    if (p.arn === undefined || ctx.resource === "*") continue;
    const m = matchArn(p.arn, ctx.resource, lookup, true);
    if (m === "unresolved") {
      const names = p.arn.segments.flatMap((seg) => unresolvedVariables(seg, lookup));
      return { ok: false, detail: `policy variable ${names.map((n) => "${" + n + "}").join(", ")} in ${p.text} has no value` };
    }
    if (m === "match") {
      hit = true;
      break;
    }
  }
  const el = s.resource.not ? "NotResource" : "Resource";
  if (s.resource.not ? !hit : hit) return { ok: true };
  return {
    ok: false,
    detail: s.resource.not ? `${ctx.resource} is listed in ${el} ${list(s.resource.patterns)}` : `${ctx.resource} is not matched by ${el} ${list(s.resource.patterns)}`,
  };
}

export function evaluateStatement(s: CompiledStatement, ctx: RequestContext): StatementOutcome {
  let principalMatch: PrincipalMatch | undefined;
  if (s.principal !== undefined) {
    principalMatch = matchPrincipal(s.principal, ctx.principal);
    if (principalMatch === "none") {
      const el = s.principal.not ? "NotPrincipal" : "Principal";
      const detail = s.principal.not
        ? `${ctx.principal.arn} is excluded by NotPrincipal ${list(s.principal.entries)}`
        : `${ctx.principal.arn} is not named by Principal ${list(s.principal.entries)}`;
      return { statement: s, applies: false, principalMatch, failed: { element: el, detail }, conditions: [] };
    }
  }
  const withPrincipal = principalMatch === undefined ? {} : { principalMatch };
  if (!actionMatches(s, ctx.action)) {
    const el = s.action.not ? "NotAction" : "Action";
    const detail = s.action.not ? `${ctx.action} is listed in NotAction ${list(s.action.patterns)}` : `${ctx.action} is not matched by Action ${list(s.action.patterns)}`;
    return { statement: s, applies: false, ...withPrincipal, failed: { element: el, detail }, conditions: [] };
  }
  const r = resourceMatches(s, ctx);
  if (!r.ok) {
    return { statement: s, applies: false, ...withPrincipal, failed: { element: s.resource.not ? "NotResource" : "Resource", detail: r.detail }, conditions: [] };
  }
  const c = evaluateConditions(s.conditions, ctx);
  if (!c.ok) {
    const last = c.outcomes[c.outcomes.length - 1];
    return { statement: s, applies: false, ...withPrincipal, failed: { element: "Condition", detail: last?.reason ?? "condition failed" }, conditions: c.outcomes };
  }
  return { statement: s, applies: true, ...withPrincipal, conditions: c.outcomes };
}

export function evaluatePolicy(policy: CompiledPolicy, ctx: RequestContext): StatementOutcome[] {
  return policy.statements.map((s) => evaluateStatement(s, ctx));
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
