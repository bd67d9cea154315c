import {
  compileValue,
  matchOne,
  parseOperator,
  type Lookup,
  type OperatorSpec,
  type PolicyValue,
  type SetQualifier,
  type ValueMatch,
} from "./condition-operators.js";
import { malformed } from "./policy-errors.js";
import { variableLookup, type RequestContext } from "./request-context.js";

/**
 * The Condition element: every operator IAM defines, the `IfExists` suffix, the `ForAllValues:` /
 * `ForAnyValue:` set qualifiers and policy variables, compiled once and evaluated per request.
 *
 * Evaluation rules (IAM User Guide, "Condition operators" and "Single-valued vs. multivalued
 * context keys"):
 * - Operators of one block, and keys of one operator, are ANDed; the values of one key are ORed.
 *   A negated operator is true when the request value matches none of the values (NOR).
 * - A key absent from the request: false, except `...IfExists` (true), negated operators (true)
 *   and `Null`. An empty list is an absent key.
 * - ForAllValues: true when every request value satisfies the operator, and true when the key is
 *   absent or resolves to an empty set. ForAnyValue: true when at least one does; false when the
 *   key is absent or empty, `IfExists` notwithstanding.
 * - A single value in the request is a one-element set for a set qualifier.
 * - An operator without a set qualifier applied to a key with several values does not match.
 * - A policy variable that cannot be resolved makes the condition false.
 * - Key names are case-insensitive; values are compared as the operator says.
 */

export { CONDITION_OPERATORS } from "./condition-operators.js";
export type { PolicyValue, SetQualifier } from "./condition-operators.js";

export interface CompiledCondition {
  /** The operator as written, e.g. "ForAnyValue:StringLikeIfExists". */
  readonly operator: string;
  readonly base: string;
  /** Always present (undefined without a qualifier), so that every compiled condition has one shape. */
  readonly set: SetQualifier | undefined;
  readonly ifExists: boolean;
  /** The condition key as written. */
  readonly key: string;
  /** The key lower-cased once, as the request context stores it. */
  readonly keyLower: string;
  readonly values: readonly PolicyValue[];
  readonly spec: OperatorSpec;
}

export interface ConditionCompileOptions {
  /** Version 2012-10-17 documents resolve policy variables; older ones read `${...}` literally. */
  readonly variables: boolean;
  /** Key policies refuse ForAllValues on single-valued keys KMS flags as overly permissive. */
  readonly kind: "key" | "identity";
}

function asValueList(raw: unknown): (string | number | boolean)[] | undefined {
  const list = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  const out: (string | number | boolean)[] = [];
  for (const v of list) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out.push(v);
    else return undefined;
  }
  return out;
}

/** Compiles a statement's Condition element; throws MalformedPolicyDocumentException. */
export function compileConditions(block: unknown, opts: ConditionCompileOptions): CompiledCondition[] {
  if (typeof block !== "object" || block === null || Array.isArray(block)) {
    throw malformed("The Condition element must be a JSON object.");
  }
  const out: CompiledCondition[] = [];
  for (const [operator, keys] of Object.entries(block as Record<string, unknown>)) {
    const parsed = parseOperator(operator);
    if (parsed === undefined) throw malformed(`Policy contains a statement with an invalid condition operator: ${operator}.`);
    const { spec, set, ifExists } = parsed;
    if (spec.family === "null" && (ifExists || set !== undefined)) {
      throw malformed(`The Null condition operator cannot be combined with ${ifExists ? "IfExists" : set}.`);
    }
    if (typeof keys !== "object" || keys === null || Array.isArray(keys)) {
      throw malformed(`Condition ${operator} must map condition keys to values.`);
    }
    for (const [key, raw] of Object.entries(keys as Record<string, unknown>)) {
      if (key.trim() === "") throw malformed(`Condition ${operator} has an empty condition key.`);
      const lower = key.toLowerCase();
      if (opts.kind === "key" && set === "ForAllValues") checkOverlyPermissive(lower);
      const list = asValueList(raw);
      if (list === undefined || list.length === 0) {
        throw malformed(`Condition ${operator} on ${key} needs a string, number or boolean value, or a non-empty list of them.`);
      }
      const values = list.map((v) => compileValue(spec, v, opts, operator, key));
      const c: CompiledCondition = { operator, base: spec.name, set, ifExists, key, keyLower: lower, values, spec };
      out.push(c);
    }
  }
  return out;
}

/** AWS KMS refuses these in key policies (developer guide, "AWS KMS condition keys"). */
function checkOverlyPermissive(lowerKey: string): void {
  if (lowerKey.startsWith("kms:encryptioncontext:")) {
    throw malformed(
      "OverlyPermissiveCondition:EncryptionContext: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified encryption context or with an unspecified encryption context. To fix, remove ForAllValues.",
    );
  }
  if (lowerKey.startsWith("aws:requesttag/")) {
    throw malformed(
      "OverlyPermissiveCondition:RequestTag: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified tag or with an unspecified tag. To fix, remove ForAllValues.",
    );
  }
}

export interface ConditionOutcome {
  readonly condition: CompiledCondition;
  readonly ok: boolean;
  /** Why it matched or did not, for the trace (worded only when read: most requests never ask). */
  readonly reason: string;
}

class Outcome implements ConditionOutcome {
  readonly condition: CompiledCondition;
  readonly ok: boolean;
  #why: (() => string) | string;

  constructor(condition: CompiledCondition, ok: boolean, why: () => string) {
    this.condition = condition;
    this.ok = ok;
    this.#why = why;
  }

  get reason(): string {
    if (typeof this.#why !== "string") this.#why = `${this.condition.operator} ${this.condition.key}: ${this.#why()}`;
    return this.#why;
  }
}

/** The positive operator against every policy value (OR); unresolved when a variable is. */
function anyValueMatches(c: CompiledCondition, req: string, lookup: Lookup): ValueMatch {
  let matched = false;
  for (const pv of c.values) {
    const m = matchOne(c.spec, req, pv, lookup);
    if (m === "unresolved") return "unresolved";
    if (m) matched = true;
  }
  return matched;
}

/** One request value against the operator as written (negation applied). */
function satisfies(c: CompiledCondition, req: string, lookup: Lookup): ValueMatch {
  const m = anyValueMatches(c, req, lookup);
  if (m === "unresolved") return m;
  return c.spec.negated ? !m : m;
}

function show(values: readonly PolicyValue[]): string {
  return values.length === 1 ? JSON.stringify(values[0]?.text) : `[${values.map((v) => JSON.stringify(v.text)).join(", ")}]`;
}

function showReq(v: readonly string[]): string {
  return v.length === 1 ? JSON.stringify(v[0]) : `[${v.map((x) => JSON.stringify(x)).join(", ")}]`;
}

export function evaluateCondition(c: CompiledCondition, ctx: RequestContext): ConditionOutcome {
  return judge(c, ctx, true);
}

/** Whether a condition holds, without wording why (the allow fast path). */
export function conditionHolds(c: CompiledCondition, ctx: RequestContext): boolean {
  return judge(c, ctx, false);
}

/**
 * One condition against the request. With `explain`, an outcome whose reason is worded on
 * demand; without, just whether it holds (no reason closure is even created).
 */
function judge(c: CompiledCondition, ctx: RequestContext, explain: true): ConditionOutcome;
function judge(c: CompiledCondition, ctx: RequestContext, explain: false): boolean;
function judge(c: CompiledCondition, ctx: RequestContext, explain: boolean): ConditionOutcome | boolean {
  const raw = ctx.values.get(c.keyLower);
  const reqVals: readonly string[] | undefined = raw === undefined ? undefined : typeof raw === "string" ? [raw] : raw.length === 0 ? undefined : raw;
  const lookup = variableLookup(ctx);

  if (c.spec.family === "null") {
    const isNull = reqVals === undefined;
    const ok = c.values.some((v) => v.f === "null" && v.isNull === isNull);
    return !explain ? ok : new Outcome(c, ok, () => `key is ${isNull ? "absent" : "present"}, policy wants ${show(c.values)}`);
  }

  if (c.set !== undefined) {
    const empty = reqVals === undefined || (reqVals.length === 1 && reqVals[0] === "");
    if (empty) {
      const ok = c.set === "ForAllValues";
      return !explain ? ok : new Outcome(c, ok, () => `key is absent or empty, so ${c.set} is ${ok}`);
    }
    const results = reqVals.map((v) => satisfies(c, v, lookup));
    if (results.includes("unresolved")) return !explain ? false : new Outcome(c, false, () => `a policy variable in ${show(c.values)} has no value`);
    const ok = c.set === "ForAllValues" ? results.every((r) => r === true) : results.some((r) => r === true);
    return !explain ? ok : new Outcome(c, ok, () =>
      c.set === "ForAllValues"
        ? ok
          ? `every request value of ${showReq(reqVals)} satisfies ${show(c.values)}`
          : `request values ${showReq(reqVals.filter((_, i) => results[i] !== true))} do not satisfy ${show(c.values)}`
        : ok
          ? `a request value of ${showReq(reqVals)} satisfies ${show(c.values)}`
          : `no request value of ${showReq(reqVals)} satisfies ${show(c.values)}`,
    );
  }

  if (reqVals === undefined) {
    const ok = c.ifExists || c.spec.negated;
    return !explain ? ok : new Outcome(c, ok, () => `key is absent from the request${ok ? (c.ifExists ? " (IfExists)" : " (negated operator)") : ""}`);
  }
  if (reqVals.length > 1) {
    return !explain ? false : new Outcome(c, false, () => `key has several values ${showReq(reqVals)}; a multivalued key needs ForAnyValue or ForAllValues`);
  }
  const req = reqVals[0] ?? "";
  const m = satisfies(c, req, lookup);
  if (m === "unresolved") return !explain ? false : new Outcome(c, false, () => `a policy variable in ${show(c.values)} has no value`);
  return !explain ? m : new Outcome(c, m, () => `request value ${JSON.stringify(req)} ${m ? "satisfies" : "does not satisfy"} ${show(c.values)}`);
}

/** Whether every condition of a statement holds (AND), without wording anything. */
export function conditionsHold(conditions: readonly CompiledCondition[], ctx: RequestContext): boolean {
  for (const c of conditions) if (!judge(c, ctx, false)) return false;
  return true;
}

/** All conditions of a statement (AND); stops at the first that fails. */
export function evaluateConditions(conditions: readonly CompiledCondition[], ctx: RequestContext): { ok: boolean; outcomes: ConditionOutcome[] } {
  const outcomes: ConditionOutcome[] = [];
  for (const c of conditions) {
    const o = evaluateCondition(c, ctx);
    outcomes.push(o);
    if (!o.ok) return { ok: false, outcomes };
  }
  return { ok: true, outcomes };
}
