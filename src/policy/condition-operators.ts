import { cidrContains, parseCidr, parseIp, type Cidr } from "./cidr.js";
import { parseBase64, parseDate, parseNumber } from "./condition-values.js";
import { matchArn, parseArnPattern, parsePattern, resolveLiteral, resolveRegex, type ArnPattern, type Pattern } from "./pattern.js";
import { malformed } from "./policy-errors.js";

/**
 * The condition operators IAM defines (IAM User Guide, "Condition operators"): their families,
 * how a policy value of each is compiled, and how one request value is compared with one policy
 * value. Negated operators are the per-value negation of their positive form.
 */

export type ConditionFamily = "string" | "numeric" | "date" | "bool" | "binary" | "ip" | "arn" | "null";

export interface OperatorSpec {
  readonly name: string;
  readonly family: ConditionFamily;
  /** The operator is the negation of `positive`, applied per request value. */
  readonly negated: boolean;
  readonly compare: Comparator;
}

export type Comparator = "eq" | "eqi" | "like" | "lt" | "le" | "gt" | "ge" | "in";

const OPERATORS: readonly OperatorSpec[] = [
  { name: "StringEquals", family: "string", negated: false, compare: "eq" },
  { name: "StringNotEquals", family: "string", negated: true, compare: "eq" },
  { name: "StringEqualsIgnoreCase", family: "string", negated: false, compare: "eqi" },
  { name: "StringNotEqualsIgnoreCase", family: "string", negated: true, compare: "eqi" },
  { name: "StringLike", family: "string", negated: false, compare: "like" },
  { name: "StringNotLike", family: "string", negated: true, compare: "like" },
  { name: "NumericEquals", family: "numeric", negated: false, compare: "eq" },
  { name: "NumericNotEquals", family: "numeric", negated: true, compare: "eq" },
  { name: "NumericLessThan", family: "numeric", negated: false, compare: "lt" },
  { name: "NumericLessThanEquals", family: "numeric", negated: false, compare: "le" },
  { name: "NumericGreaterThan", family: "numeric", negated: false, compare: "gt" },
  { name: "NumericGreaterThanEquals", family: "numeric", negated: false, compare: "ge" },
  { name: "DateEquals", family: "date", negated: false, compare: "eq" },
  { name: "DateNotEquals", family: "date", negated: true, compare: "eq" },
  { name: "DateLessThan", family: "date", negated: false, compare: "lt" },
  { name: "DateLessThanEquals", family: "date", negated: false, compare: "le" },
  { name: "DateGreaterThan", family: "date", negated: false, compare: "gt" },
  { name: "DateGreaterThanEquals", family: "date", negated: false, compare: "ge" },
  { name: "Bool", family: "bool", negated: false, compare: "eq" },
  { name: "BinaryEquals", family: "binary", negated: false, compare: "eq" },
  { name: "IpAddress", family: "ip", negated: false, compare: "in" },
  { name: "NotIpAddress", family: "ip", negated: true, compare: "in" },
  { name: "ArnEquals", family: "arn", negated: false, compare: "like" },
  { name: "ArnLike", family: "arn", negated: false, compare: "like" },
  { name: "ArnNotEquals", family: "arn", negated: true, compare: "like" },
  { name: "ArnNotLike", family: "arn", negated: true, compare: "like" },
  { name: "Null", family: "null", negated: false, compare: "eq" },
];

const BY_NAME = new Map(OPERATORS.map((o) => [o.name.toLowerCase(), o]));

/** The names of every base operator (without qualifier or IfExists). */
export const CONDITION_OPERATORS: readonly string[] = OPERATORS.map((o) => o.name);

export type SetQualifier = "ForAllValues" | "ForAnyValue";

export type PolicyValue =
  | { readonly f: "string" | "bool"; readonly text: string; readonly pattern: Pattern }
  | { readonly f: "numeric" | "date"; readonly text: string; readonly n: number }
  | { readonly f: "binary"; readonly text: string; readonly bytes: Buffer }
  | { readonly f: "ip"; readonly text: string; readonly cidr: Cidr }
  | { readonly f: "arn"; readonly text: string; readonly arn: ArnPattern | undefined }
  | { readonly f: "null"; readonly text: string; readonly isNull: boolean };

export interface ValueCompileOptions {
  /** Version 2012-10-17 documents resolve policy variables; older ones read `${...}` literally. */
  readonly variables: boolean;
}

export function parseOperator(op: string): { spec: OperatorSpec; set?: SetQualifier; ifExists: boolean } | undefined {
  let rest = op;
  let set: SetQualifier | undefined;
  const colon = rest.indexOf(":");
  if (colon >= 0) {
    const q = rest.slice(0, colon).toLowerCase();
    if (q === "forallvalues") set = "ForAllValues";
    else if (q === "foranyvalue") set = "ForAnyValue";
    else return undefined;
    rest = rest.slice(colon + 1);
  }
  let spec = BY_NAME.get(rest.toLowerCase());
  let ifExists = false;
  if (spec === undefined && rest.toLowerCase().endsWith("ifexists")) {
    spec = BY_NAME.get(rest.slice(0, -"IfExists".length).toLowerCase());
    ifExists = true;
  }
  if (spec === undefined) return undefined;
  return set === undefined ? { spec, ifExists } : { spec, set, ifExists };
}

export function compileValue(spec: OperatorSpec, raw: string | number | boolean, opts: ValueCompileOptions, op: string, key: string): PolicyValue {
  const text = typeof raw === "string" ? raw : String(raw);
  const bad = (what: string): never => {
    throw malformed(`Condition ${op} on ${key} has a value that is not ${what}: ${JSON.stringify(raw)}.`);
  };
  switch (spec.family) {
    case "string":
      return { f: "string", text, pattern: parsePattern(text, { wildcards: spec.compare === "like", variables: opts.variables }) };
    case "bool":
      return { f: "bool", text, pattern: parsePattern(text, { wildcards: false, variables: opts.variables }) };
    case "numeric": {
      const n = parseNumber(text);
      return n === undefined ? bad("a number") : { f: "numeric", text, n };
    }
    case "date": {
      const n = parseDate(text);
      return n === undefined ? bad("an ISO 8601 date or epoch time") : { f: "date", text, n };
    }
    case "binary": {
      const bytes = parseBase64(text);
      return bytes === undefined ? bad("base64") : { f: "binary", text, bytes };
    }
    case "ip": {
      const cidr = parseCidr(text);
      return cidr === undefined ? bad("an IP address or CIDR block") : { f: "ip", text, cidr };
    }
    case "arn":
      // A value that is not an ARN is accepted and never matches, as a string would not.
      return { f: "arn", text, arn: parseArnPattern(text, { wildcards: true, variables: opts.variables, variablesInResourceOnly: false }) };
    case "null": {
      const t = text.toLowerCase();
      return t === "true" || t === "false" ? { f: "null", text, isNull: t === "true" } : bad("true or false");
    }
  }
}

export type Lookup = (name: string) => string | undefined;
export type ValueMatch = boolean | "unresolved";

function compareOrdered(cmp: Comparator, a: number, b: number): boolean {
  switch (cmp) {
    case "eq":
      return a === b;
    case "lt":
      return a < b;
    case "le":
      return a <= b;
    case "gt":
      return a > b;
    case "ge":
      return a >= b;
    default:
      return false;
  }
}

/** Does one request value satisfy the positive form of the operator for one policy value? */
export function matchOne(spec: OperatorSpec, req: string, pv: PolicyValue, lookup: Lookup): ValueMatch {
  switch (pv.f) {
    case "string": {
      if (spec.compare === "like") {
        const re = resolveRegex(pv.pattern, lookup);
        return re === undefined ? "unresolved" : re.test(req);
      }
      const lit = resolveLiteral(pv.pattern, lookup);
      if (lit === undefined) return "unresolved";
      return spec.compare === "eqi" ? lit.toLowerCase() === req.toLowerCase() : lit === req;
    }
    case "bool": {
      const lit = resolveLiteral(pv.pattern, lookup);
      return lit === undefined ? "unresolved" : lit.toLowerCase() === req.toLowerCase();
    }
    case "numeric": {
      const n = parseNumber(req);
      return n !== undefined && compareOrdered(spec.compare, n, pv.n);
    }
    case "date": {
      const n = parseDate(req);
      return n !== undefined && compareOrdered(spec.compare, n, pv.n);
    }
    case "binary": {
      const b = parseBase64(req);
      return b !== undefined && b.equals(pv.bytes);
    }
    case "ip": {
      const ip = parseIp(req);
      return ip !== undefined && cidrContains(pv.cidr, ip);
    }
    case "arn": {
      if (pv.arn === undefined) return false;
      const m = matchArn(pv.arn, req, lookup, false);
      return m === "unresolved" ? "unresolved" : m === "match";
    }
    case "null":
      return false;
  }
}

