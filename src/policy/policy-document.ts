import { KmsError } from "../domain/errors.js";
import { compileConditions, type CompiledCondition } from "./conditions.js";
import { parseArnPattern, type ArnPattern } from "./pattern.js";
import { malformed, POLICY_MESSAGES } from "./policy-errors.js";
import { compilePrincipal, namedIdentityArns, type CompiledPrincipal } from "./principal.js";

/**
 * Parsing, validation and compilation of IAM JSON policies: key policies (resource-based, with a
 * Principal) and identity policies (attached to a user or role, without one).
 *
 * Grammar (IAM JSON policy reference; KMS developer guide, "Key policy format"):
 * - Top level: `Version` ("2012-10-17" or "2008-10-17"; absent means 2008-10-17, in which policy
 *   variables are literal text), optional `Id`, `Statement` (one object or a non-empty array).
 * - Statement: optional `Sid`; `Effect` "Allow" | "Deny"; exactly one of `Action`/`NotAction`;
 *   exactly one of `Resource`/`NotResource`; optional `Condition`. Key policies need exactly one
 *   of `Principal`/`NotPrincipal`; identity policies must have neither.
 * - Action: "*" or "service:pattern" with `*` / `?` wildcards, matched case-insensitively.
 * - Resource: "*" or an ARN (six colon-delimited fields) with wildcards; policy variables only
 *   after the fifth colon.
 * Key policies: at most 32768 bytes (LimitExceededException, as the KMS API reference says) and
 * only tab, LF, CR and U+0020..U+00FF.
 */

export type PolicyKind = "key" | "identity";

export interface ActionPattern {
  readonly text: string;
  readonly re: RegExp;
}

export type ResourcePattern = { readonly text: string; readonly all: true } | { readonly text: string; readonly all: false; readonly arn: ArnPattern | undefined };

export interface CompiledStatement {
  readonly index: number;
  /** Always present (undefined when absent): every compiled statement has one shape, which keeps evaluation monomorphic. */
  readonly sid: string | undefined;
  readonly effect: "Allow" | "Deny";
  readonly principal: CompiledPrincipal | undefined;
  readonly action: { readonly not: boolean; readonly patterns: readonly ActionPattern[] };
  readonly resource: { readonly not: boolean; readonly patterns: readonly ResourcePattern[] };
  readonly conditions: readonly CompiledCondition[];
}

export interface CompiledPolicy {
  readonly kind: PolicyKind;
  readonly version: "2012-10-17" | "2008-10-17";
  readonly id?: string;
  readonly statements: readonly CompiledStatement[];
}

/** AWS's limit on a key policy document. */
export const MAX_KEY_POLICY_BYTES = 32 * 1024;

const TOP_LEVEL = new Set(["Version", "Id", "Statement"]);
const STATEMENT_ELEMENTS = new Set(["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"]);
const KEY_POLICY_CHARS = /^[\t\n\r\u0020-\u00ff]*$/;
const ACTION = /^[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+$/;

function stringOrList(v: unknown, element: string, index: number): string[] {
  const list = Array.isArray(v) ? (v as unknown[]) : [v];
  if (list.length === 0) throw malformed(`Statement ${index}: ${element} must not be an empty list.`);
  return list.map((x) => {
    if (typeof x !== "string" || x === "") throw malformed(`Statement ${index}: every ${element} value must be a non-empty string.`);
    return x;
  });
}

function compileAction(text: string, element: string, index: number): ActionPattern {
  if (text !== "*" && !ACTION.test(text)) {
    throw malformed(`Statement ${index}: ${element} ${JSON.stringify(text)} is not "*" or a "service:action" name.`);
  }
  const src = text.replace(/[\\^$.+()[\]{}|/]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return { text, re: new RegExp(`^${src}$`, "i") };
}

function compileResource(text: string, element: string, index: number, variables: boolean): ResourcePattern {
  if (text === "*") return { text, all: true };
  const arn = parseArnPattern(text, { wildcards: true, variables, variablesInResourceOnly: true });
  if (arn === undefined || !text.startsWith("arn:")) {
    throw malformed(`Statement ${index}: ${element} ${JSON.stringify(text)} must be in ARN format or "*".`);
  }
  return { text, all: false, arn };
}

function exactlyOne(s: Record<string, unknown>, a: string, b: string, index: number, required: boolean): string | undefined {
  const hasA = s[a] !== undefined;
  const hasB = s[b] !== undefined;
  if (hasA && hasB) throw malformed(`Statement ${index} has both ${a} and ${b}.`);
  if (!hasA && !hasB) {
    if (required) throw malformed(`Statement ${index} needs a ${a} or ${b} element.`);
    return undefined;
  }
  return hasA ? a : b;
}

function compileStatement(raw: unknown, index: number, kind: PolicyKind, variables: boolean): CompiledStatement {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw malformed(`Statement ${index} must be a JSON object.`);
  const s = raw as Record<string, unknown>;
  for (const k of Object.keys(s)) {
    if (!STATEMENT_ELEMENTS.has(k)) throw malformed(`Statement ${index} has an unsupported element: ${k}.`);
  }
  const sid = s["Sid"];
  if (sid !== undefined && typeof sid !== "string") throw malformed(`Statement ${index}: Sid must be a string.`);
  if (kind === "identity" && typeof sid === "string" && !/^[A-Za-z0-9]*$/.test(sid)) {
    throw malformed(`Statement ${index}: the Sid of an IAM policy may contain only letters and digits.`);
  }
  const effect = s["Effect"];
  if (effect !== "Allow" && effect !== "Deny") throw malformed(`Statement ${index} needs an Effect of "Allow" or "Deny".`);

  let principal: CompiledPrincipal | undefined;
  const pEl = exactlyOne(s, "Principal", "NotPrincipal", index, kind === "key");
  if (pEl !== undefined) {
    if (kind === "identity") throw malformed(POLICY_MESSAGES.identityPrincipal);
    principal = compilePrincipal(s[pEl], pEl === "NotPrincipal");
  }

  const aEl = exactlyOne(s, "Action", "NotAction", index, true) ?? "Action";
  const actions = stringOrList(s[aEl], aEl, index).map((a) => compileAction(a, aEl, index));

  const rEl = exactlyOne(s, "Resource", "NotResource", index, true) ?? "Resource";
  const resources = stringOrList(s[rEl], rEl, index).map((r) => compileResource(r, rEl, index, variables));

  const conditions = s["Condition"] === undefined ? [] : compileConditions(s["Condition"], { variables, kind });

  const base = {
    index,
    effect,
    action: { not: aEl === "NotAction", patterns: actions },
    resource: { not: rEl === "NotResource", patterns: resources },
    conditions,
  } as const;
  return { ...base, sid: typeof sid === "string" ? sid : undefined, principal };
}

/** Parses, validates and compiles a policy document; throws KmsError as KMS would answer. */
export function compilePolicy(text: string, kind: PolicyKind): CompiledPolicy {
  if (kind === "key") {
    if (Buffer.byteLength(text, "utf8") > MAX_KEY_POLICY_BYTES) throw new KmsError("LimitExceededException", POLICY_MESSAGES.tooLarge);
    if (!KEY_POLICY_CHARS.test(text)) throw malformed(POLICY_MESSAGES.badCharacters);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed(POLICY_MESSAGES.notJson);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw malformed("The policy document must be a JSON object.");
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) {
    if (!TOP_LEVEL.has(k)) throw malformed(`The policy document has an unsupported element: ${k}.`);
  }
  const version = d["Version"] ?? "2008-10-17";
  if (version !== "2012-10-17" && version !== "2008-10-17") {
    throw malformed(`The policy Version ${JSON.stringify(version)} is not supported; use "2012-10-17".`);
  }
  const id = d["Id"];
  if (id !== undefined && typeof id !== "string") throw malformed("The policy Id must be a string.");
  const st = d["Statement"];
  if (st === undefined) throw malformed("The policy document needs a Statement element.");
  const raw = Array.isArray(st) ? (st as unknown[]) : [st];
  if (raw.length === 0) throw malformed("The policy document needs at least one statement.");
  const variables = version === "2012-10-17";
  const statements = raw.map((s, i) => compileStatement(s, i, kind, variables));
  return { kind, version, ...(typeof id === "string" ? { id } : {}), statements };
}

/** User and role ARNs named in Principal / NotPrincipal elements, without repeats. */
export function namedPrincipalArns(policy: CompiledPolicy): string[] {
  const out = new Set<string>();
  for (const s of policy.statements) if (s.principal !== undefined) for (const a of namedIdentityArns(s.principal)) out.add(a);
  return [...out];
}

/**
 * KMS refuses a key policy that names a user or role that does not exist ("The principals in
 * the key policy must exist and be visible to KMS").
 */
export async function checkPrincipalsExist(policy: CompiledPolicy, principalExists: (arn: string) => boolean | Promise<boolean>): Promise<void> {
  for (const arn of namedPrincipalArns(policy)) {
    if (!(await principalExists(arn))) throw malformed(POLICY_MESSAGES.invalidPrincipals);
  }
}
