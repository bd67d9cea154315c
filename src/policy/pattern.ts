/**
 * Policy strings: literal text, the wildcards `*` and `?` (where the element allows them) and
 * policy variables `${name}` / `${name, 'default'}` (where the element allows them, and only in
 * Version 2012-10-17 documents). `${*}`, `${?}` and `${$}` stand for the literal characters.
 * A value substituted for a variable is literal text: a `*` in a user name is not a wildcard.
 * Compiled once per policy; resolving a pattern without variables costs nothing per request.
 */

export type PatternPart =
  | { readonly t: "lit"; readonly s: string }
  | { readonly t: "any" }
  | { readonly t: "one" }
  | { readonly t: "var"; readonly name: string; readonly fallback?: string };

export interface Pattern {
  readonly text: string;
  readonly parts: readonly PatternPart[];
  readonly hasVariables: boolean;
  readonly hasWildcards: boolean;
}

export interface PatternOptions {
  readonly wildcards: boolean;
  readonly variables: boolean;
}

/** Looks up the value of a single-valued context key for a policy variable. */
export type VariableLookup = (name: string) => string | undefined;

const SPECIAL: Readonly<Record<string, string>> = { "*": "*", "?": "?", $: "$" };
const DEFAULTED = /^\s*([^,\s][^,]*?)\s*,\s*'([^']*)'\s*$/;

export function parsePattern(text: string, opts: PatternOptions): Pattern {
  const parts: PatternPart[] = [];
  let lit = "";
  let hasVariables = false;
  let hasWildcards = false;
  const flush = (): void => {
    if (lit !== "") parts.push({ t: "lit", s: lit });
    lit = "";
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (opts.variables && c === "$" && text[i + 1] === "{") {
      const close = text.indexOf("}", i + 2);
      if (close > i + 2) {
        const inner = text.slice(i + 2, close);
        const special = SPECIAL[inner];
        if (special !== undefined) {
          lit += special;
        } else {
          flush();
          const m = DEFAULTED.exec(inner);
          if (m !== null) parts.push({ t: "var", name: (m[1] ?? "").trim(), fallback: m[2] ?? "" });
          else parts.push({ t: "var", name: inner.trim() });
          hasVariables = true;
        }
        i = close;
        continue;
      }
    }
    if (opts.wildcards && (c === "*" || c === "?")) {
      flush();
      parts.push(c === "*" ? { t: "any" } : { t: "one" });
      hasWildcards = true;
      continue;
    }
    lit += c;
  }
  flush();
  return { text, parts, hasVariables, hasWildcards };
}

const staticLiterals = new WeakMap<Pattern, string>();

/** The pattern's text with variables substituted; undefined when a variable has no value. */
export function resolveLiteral(p: Pattern, lookup: VariableLookup): string | undefined {
  if (!p.hasVariables) {
    let lit = staticLiterals.get(p);
    if (lit === undefined) {
      lit = substitute(p, lookup) ?? "";
      staticLiterals.set(p, lit);
    }
    return lit;
  }
  return substitute(p, lookup);
}

function substitute(p: Pattern, lookup: VariableLookup): string | undefined {
  let out = "";
  for (const part of p.parts) {
    switch (part.t) {
      case "lit":
        out += part.s;
        break;
      case "any":
        out += "*";
        break;
      case "one":
        out += "?";
        break;
      case "var": {
        const v = lookup(part.name) ?? part.fallback;
        if (v === undefined) return undefined;
        out += v;
        break;
      }
    }
  }
  return out;
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

const staticRegexes = new WeakMap<Pattern, Map<string, RegExp>>();

/**
 * The pattern as an anchored regular expression (`*` any run, `?` one character, dot matches
 * newlines); undefined when a variable has no value.
 */
export function resolveRegex(p: Pattern, lookup: VariableLookup, ignoreCase = false): RegExp | undefined {
  const flags = ignoreCase ? "si" : "s";
  if (!p.hasVariables) {
    let byFlags = staticRegexes.get(p);
    if (byFlags === undefined) {
      byFlags = new Map();
      staticRegexes.set(p, byFlags);
    }
    let re = byFlags.get(flags);
    if (re === undefined) {
      re = new RegExp(`^${toRegexSource(p, lookup) ?? ""}$`, flags);
      byFlags.set(flags, re);
    }
    return re;
  }
  const src = toRegexSource(p, lookup);
  return src === undefined ? undefined : new RegExp(`^${src}$`, flags);
}

function toRegexSource(p: Pattern, lookup: VariableLookup): string | undefined {
  let src = "";
  for (const part of p.parts) {
    switch (part.t) {
      case "lit":
        src += escapeRegex(part.s);
        break;
      case "any":
        src += ".*";
        break;
      case "one":
        src += ".";
        break;
      case "var": {
        const v = lookup(part.name) ?? part.fallback;
        if (v === undefined) return undefined;
        src += escapeRegex(v);
        break;
      }
    }
  }
  return src;
}

/** Names of the variables a pattern uses that the lookup cannot resolve (for traces). */
export function unresolvedVariables(p: Pattern, lookup: VariableLookup): string[] {
  const out: string[] = [];
  for (const part of p.parts) {
    if (part.t === "var" && part.fallback === undefined && lookup(part.name) === undefined) out.push(part.name);
  }
  return out;
}

/** An ARN split the way ArnLike compares it: five colon-delimited fields, then the resource. */
export interface ArnPattern {
  readonly text: string;
  /** arn, partition, service, region, account, resource (the resource may contain colons). */
  readonly segments: readonly Pattern[];
  /** Whether any segment has a policy variable (a pattern without one matches a value the same way every time). */
  readonly hasVariables?: boolean;
}

/**
 * Splits an ARN at its first five colons. With `skipVariables`, a colon inside `${...}` (as in
 * `${aws:username}`) does not split.
 */
export function splitArn(text: string, skipVariables = false): string[] | undefined {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length && out.length < 5; i++) {
    if (skipVariables && text[i] === "$" && text[i + 1] === "{") {
      const close = text.indexOf("}", i + 2);
      if (close > 0) {
        i = close;
        continue;
      }
    }
    if (text[i] === ":") {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (out.length < 5) return undefined;
  out.push(text.slice(start));
  return out;
}

/**
 * Compiles an ARN pattern. `variablesInResourceOnly` follows the Resource element's rule that a
 * variable may appear only after the fifth colon; ARN condition operators allow them anywhere.
 * Returns undefined when the text does not have the six ARN fields.
 */
export function parseArnPattern(text: string, opts: PatternOptions & { variablesInResourceOnly: boolean }): ArnPattern | undefined {
  const raw = splitArn(text, opts.variables);
  if (raw === undefined) return undefined;
  const segments = raw.map((s, i) =>
    parsePattern(s, { wildcards: opts.wildcards, variables: opts.variables && (!opts.variablesInResourceOnly || i === 5) }),
  );
  return { text, segments, hasVariables: segments.some((x) => x.hasVariables) };
}

export type ArnMatch = "match" | "nomatch" | "unresolved";

/**
 * Matches an ARN segment by segment (a wildcard never crosses one of the first five colons).
 * `caseInsensitivePrefix` makes the first five fields case-insensitive (the Resource element);
 * ARN condition operators are case-sensitive throughout.
 */
/** The last value split: a request's key ARN is matched against many Resource patterns. */
let lastSplit: { readonly text: string; readonly parts: string[] | undefined } = { text: "", parts: undefined };

function splitValue(value: string): readonly string[] | undefined {
  if (value !== lastSplit.text) lastSplit = { text: value, parts: splitArn(value) };
  return lastSplit.parts;
}

/** Results of ARN patterns without variables, by value (a bounded memo: few distinct key ARNs recur). */
const staticArnResults = new WeakMap<ArnPattern, { readonly i: Map<string, ArnMatch>; readonly s: Map<string, ArnMatch> }>();
const MAX_MEMO = 4096;

export function matchArn(p: ArnPattern, value: string, lookup: VariableLookup, caseInsensitivePrefix: boolean): ArnMatch {
  if (p.hasVariables !== false) return matchArnSegments(p, value, lookup, caseInsensitivePrefix);
  let memos = staticArnResults.get(p);
  if (memos === undefined) {
    memos = { i: new Map(), s: new Map() };
    staticArnResults.set(p, memos);
  }
  const memo = caseInsensitivePrefix ? memos.i : memos.s;
  let r = memo.get(value);
  if (r === undefined) {
    r = matchArnSegments(p, value, lookup, caseInsensitivePrefix);
    if (memo.size >= MAX_MEMO) memo.clear();
    memo.set(value, r);
  }
  return r;
}

function matchArnSegments(p: ArnPattern, value: string, lookup: VariableLookup, caseInsensitivePrefix: boolean): ArnMatch {
  const parts = splitValue(value);
  if (parts === undefined) return "nomatch";
  for (let i = 0; i < 6; i++) {
    const seg = p.segments[i];
    if (seg === undefined) return "nomatch";
    const re = resolveRegex(seg, lookup, caseInsensitivePrefix && i < 5);
    if (re === undefined) return "unresolved";
    if (!re.test(parts[i] ?? "")) return "nomatch";
  }
  return "match";
}
