/**
 * JSON wire decoder (awsJson1_1) driven by the generated model tables.
 *
 * `decodeInput(op, body)` takes the already-parsed JSON body and returns the typed input, or
 * throws a KmsError the way AWS KMS (Coral) answers:
 *   - a JSON value of the wrong kind is a SerializationException, raised at once and winning
 *     over any constraint violation (Coral deserialises before it validates);
 *   - then every constraint violation, in model member order, in one ValidationException:
 *     "2 validation errors detected: Value 'x' at 'keyId' failed to satisfy constraint: ...; ...".
 * `null` counts as absent (also inside lists and maps); unknown members are ignored.
 * Blobs are base64 and become Buffers, or SecretBytes for sensitive shapes; timestamps are epoch
 * seconds. Messages never quote a blob or a sensitive value ("Value at 'plaintext' ...").
 *
 * Hot path: each shape is compiled once into a node graph with precompiled regexes; a request walks
 * it with module-level scratch state (the decoder is synchronous, so this is safe) and allocates
 * only the output it returns, plus the message strings when it fails.
 */
import { SecretBytes } from "../crypto/secret-bytes.js";
import { KmsError } from "../domain/errors.js";
import { operations, shapes } from "../generated/kms-model.js";
import type { Bounds, ShapeSpec } from "../generated/kms-model.js";
import type { OperationIO, OperationName } from "../generated/kms-types.js";

// ---------------------------------------------------------------------------------------------
// Compiled nodes
// ---------------------------------------------------------------------------------------------

const STRUCT = 0;
const STRING = 1;
const BLOB = 2;
const INTEGER = 3;
const BOOLEAN = 4;
const TIMESTAMP = 5;
const LIST = 6;
const MAP = 7;

interface MemberNode {
  readonly wire: string;
  readonly path: string;
  readonly required: boolean;
  readonly node: Node;
}

interface StructNode {
  readonly kind: typeof STRUCT;
  readonly members: MemberNode[];
}

/** Strings, blobs and integers: the scalars that carry constraints. */
interface ScalarNode {
  readonly kind: typeof STRING | typeof BLOB | typeof INTEGER;
  /** Length (strings: Unicode scalar values; blobs: decoded bytes) or value range. */
  readonly min: number;
  readonly max: number;
  readonly pattern: RegExp | null;
  readonly patternText: string;
  readonly enumSet: ReadonlySet<string> | null;
  readonly enumText: string;
  /** Never quote the value: blobs and smithy.api#sensitive shapes. */
  readonly secret: boolean;
  readonly sensitive: boolean;
  readonly constrained: boolean;
  /** "[Member must ..., Member must ...]": every constraint, as Coral lists them for list members. */
  readonly summary: string;
}

interface PlainNode {
  readonly kind: typeof BOOLEAN | typeof TIMESTAMP;
}

interface ListNode {
  readonly kind: typeof LIST;
  readonly min: number;
  readonly max: number;
  readonly member: Node;
  readonly renderable: boolean;
}

interface MapNode {
  readonly kind: typeof MAP;
  readonly min: number;
  readonly max: number;
  readonly key: Node;
  readonly value: Node;
  readonly renderable: boolean;
}

type Node = StructNode | ScalarNode | PlainNode | ListNode | MapNode;

const regexCache = new Map<string, RegExp>();

/** Smithy patterns are ECMA-262 and not implicitly anchored; compile once, with `u` where valid. */
function compilePattern(p: string): RegExp {
  let re = regexCache.get(p);
  if (re === undefined) {
    try {
      re = new RegExp(p, "u");
    } catch {
      re = new RegExp(p);
    }
    regexCache.set(p, re);
  }
  return re;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function lengthParts(b: Bounds | undefined, noun: "length" | "value"): string[] {
  const parts: string[] = [];
  if (b?.max !== undefined) parts.push(`Member must have ${noun} less than or equal to ${b.max}`);
  if (b?.min !== undefined) parts.push(`Member must have ${noun} greater than or equal to ${b.min}`);
  return parts;
}

const compiled = new Map<string, Node>();

function spec(name: string): ShapeSpec {
  const s = shapes[name];
  if (s === undefined) throw new Error(`wire-decode: no shape ${name} in the model tables`);
  return s;
}

/**
 * Where Trent accepts more than the model: an external key store's proxy endpoint may also be plain
 * http:// with a port when the host is a loopback address (a proxy on the same machine, as the tests
 * run one; see domain/xks-uri.ts). Every other host still needs the model's https://<server>.
 */
const PATTERN_OVERRIDES: Readonly<Record<string, string>> = {
  XksProxyUriEndpointType: "^https://[a-zA-Z0-9.-]+$|^http://(127\\.0\\.0\\.1|localhost|\\[::1\\]):[0-9]{1,5}$",
};

function compile(name: string): Node {
  const done = compiled.get(name);
  if (done !== undefined) return done;
  const s = spec(name);
  switch (s.type) {
    case "structure": {
      const node: StructNode = { kind: STRUCT, members: [] };
      compiled.set(name, node); // before members: tolerate recursive shapes
      for (const [wire, m] of Object.entries(s.members)) {
        node.members.push({ wire, path: lowerFirst(wire), required: m.required === true, node: compile(m.target) });
      }
      return node;
    }
    case "string":
    case "blob":
    case "integer": {
      const b = s.type === "integer" ? s.range : s.length;
      const pattern = PATTERN_OVERRIDES[name] ?? (s.type === "string" && s.pattern !== undefined ? s.pattern : "");
      const values = s.type === "string" ? s.enum : undefined;
      const enumText = values === undefined ? "" : `[${values.join(", ")}]`;
      const parts = lengthParts(b, s.type === "integer" ? "value" : "length");
      if (pattern !== "") parts.push(`Member must satisfy regular expression pattern: ${pattern}`);
      if (values !== undefined) parts.push(`Member must satisfy enum value set: ${enumText}`);
      const sensitive = s.type !== "integer" && s.sensitive === true;
      const node: ScalarNode = {
        kind: s.type === "string" ? STRING : s.type === "blob" ? BLOB : INTEGER,
        min: b?.min ?? -Infinity,
        max: b?.max ?? Infinity,
        pattern: pattern === "" ? null : compilePattern(pattern),
        patternText: pattern,
        enumSet: values === undefined ? null : new Set(values),
        enumText,
        secret: sensitive || s.type === "blob",
        sensitive,
        constrained: parts.length > 0,
        summary: `[${parts.join(", ")}]`,
      };
      compiled.set(name, node);
      return node;
    }
    case "boolean":
    case "timestamp": {
      const node: PlainNode = { kind: s.type === "boolean" ? BOOLEAN : TIMESTAMP };
      compiled.set(name, node);
      return node;
    }
    case "list": {
      const member = compile(s.member);
      const node: ListNode = {
        kind: LIST,
        min: s.length?.min ?? -Infinity,
        max: s.length?.max ?? Infinity,
        member,
        renderable: renderable(member),
      };
      compiled.set(name, node);
      return node;
    }
    case "map": {
      const key = compile(s.key);
      const value = compile(s.value);
      const node: MapNode = {
        kind: MAP,
        min: s.length?.min ?? -Infinity,
        max: s.length?.max ?? Infinity,
        key,
        value,
        renderable: renderable(key) && renderable(value),
      };
      compiled.set(name, node);
      return node;
    }
  }
}

/** Whether a value of this node may be quoted in a message (no blob, no sensitive part, no structure). */
function renderable(n: Node): boolean {
  switch (n.kind) {
    case STRUCT:
      return false;
    case STRING:
    case BLOB:
    case INTEGER:
      return !n.secret;
    case BOOLEAN:
    case TIMESTAMP:
      return true;
    case LIST:
      return n.renderable;
    case MAP:
      return n.renderable;
  }
}

const plans = new Map<string, StructNode>();

function plan(op: string): StructNode {
  let p = plans.get(op);
  if (p === undefined) {
    const o = (operations as Readonly<Record<string, { readonly input: string } | undefined>>)[op];
    if (o === undefined) throw new KmsError("UnknownOperationException", "");
    const n = compile(o.input);
    if (n.kind !== STRUCT) throw new Error(`wire-decode: input of ${op} is not a structure`);
    p = n;
    plans.set(op, p);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Per-request scratch state (synchronous use only)
// ---------------------------------------------------------------------------------------------

/** Member path of the value being decoded: names, 1-based list indexes, "member". */
const path: (string | number)[] = [];
let errors: string[] | null = null;
/** While set, violations are only noted (list and map members report once, at the container). */
let quiet = false;
let quietBad = false;
/** Sensitive blobs decoded so far; zeroed if the request fails. */
const secrets: SecretBytes[] = [];

const START_LIST = "Start of list found where not expected";
const START_MAP = "Start of structure or map found where not expected.";

function serialization(message: string): never {
  throw new KmsError("SerializationException", message);
}

/** The JSON value `v` where a scalar of Coral type `target` ("a String", "an Integer") was expected. */
function mismatch(v: unknown, target: string): never {
  if (typeof v === "string") serialization(`STRING_VALUE can not be converted to ${target}`);
  if (typeof v === "number") serialization(`NUMBER_VALUE can not be converted to ${target}`);
  if (v === true) serialization(`TRUE_VALUE can not be converted to ${target}`);
  if (v === false) serialization(`FALSE_VALUE can not be converted to ${target}`);
  serialization(Array.isArray(v) ? START_LIST : START_MAP);
}

/** `shown` is the quoted value, "null", or "" to leave the value out. */
function violation(shown: string, message: string): void {
  if (quiet) {
    quietBad = true;
    return;
  }
  const at = shown === "" ? "Value at '" : `Value ${shown} at '`;
  (errors ??= []).push(`${at}${path.join(".")}' failed to satisfy constraint: ${message}`);
}

function quote(n: ScalarNode, text: string): string {
  return n.secret ? "" : `'${text}'`;
}

/** Length of a string in Unicode scalar values (a lone surrogate counts as one). */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function checkLength(n: ScalarNode, len: number, shown: () => string): void {
  if (len < n.min) violation(shown(), `Member must have length greater than or equal to ${n.min}`);
  if (len > n.max) violation(shown(), `Member must have length less than or equal to ${n.max}`);
}

function decodeString(n: ScalarNode, v: unknown): string {
  if (typeof v !== "string") mismatch(v, "a String");
  if (!n.constrained) return v;
  const shown = (): string => quote(n, v);
  // UTF-16 length bounds the scalar count from above and (halved) from below: count only when needed.
  let len = v.length;
  if (len > n.max || len < 2 * n.min) len = codePoints(v);
  checkLength(n, len, shown);
  if (n.pattern !== null && !n.pattern.test(v)) {
    violation(shown(), `Member must satisfy regular expression pattern: ${n.patternText}`);
  }
  if (n.enumSet !== null && !n.enumSet.has(v)) violation(shown(), `Member must satisfy enum value set: ${n.enumText}`);
  return v;
}

/** Strict standard base64 (padding optional); Buffer.from alone would skip bad characters. */
function decodeBase64(s: string): Buffer {
  const len = s.length;
  let pad = 0;
  if (len > 0 && s.charCodeAt(len - 1) === 61) pad = len > 1 && s.charCodeAt(len - 2) === 61 ? 2 : 1;
  if (len % 4 === 1 || (pad > 0 && len % 4 !== 0) || s.includes("-") || s.includes("_")) {
    serialization("Invalid base64 encoding.");
  }
  const buf = Buffer.from(s, "base64");
  if (buf.length !== Math.floor(((len - pad) * 3) / 4)) {
    buf.fill(0);
    serialization("Invalid base64 encoding.");
  }
  return buf;
}

function decodeBlob(n: ScalarNode, v: unknown): Buffer | SecretBytes {
  if (typeof v !== "string") mismatch(v, "a Blob");
  const buf = decodeBase64(v);
  let out: Buffer | SecretBytes = buf;
  if (n.sensitive) {
    const secret = SecretBytes.adopt(buf);
    secrets.push(secret);
    out = secret;
  }
  if (n.constrained) checkLength(n, buf.length, () => "");
  return out;
}

function decodeInteger(n: ScalarNode, v: unknown): number {
  if (typeof v !== "number") mismatch(v, "an Integer");
  const x = Number.isInteger(v) ? v : Math.trunc(v); // Coral truncates 1.5 to 1
  if (x < n.min) violation(`'${x}'`, `Member must have value greater than or equal to ${n.min}`);
  if (x > n.max) violation(`'${x}'`, `Member must have value less than or equal to ${n.max}`);
  return x;
}

function decodeStruct(n: StructNode, v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null) serialization("Expected null");
  if (Array.isArray(v)) serialization(START_LIST);
  const obj = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const m of n.members) {
    const raw = obj[m.wire];
    path.push(m.path);
    if (raw === undefined || raw === null) {
      if (m.required) violation("null", "Member must not be null");
    } else {
      out[m.wire] = decode(m.node, raw);
    }
    path.pop();
  }
  return out;
}

function isScalar(n: Node): n is ScalarNode | PlainNode {
  return n.kind !== STRUCT && n.kind !== LIST && n.kind !== MAP;
}

function isConstrained(n: Node): n is ScalarNode {
  return (n.kind === STRING || n.kind === BLOB || n.kind === INTEGER) && n.constrained;
}

function decodeList(n: ListNode, v: unknown): unknown[] {
  if (!Array.isArray(v)) serialization(typeof v === "object" && v !== null ? START_MAP : "Expected list or null");
  const out: unknown[] = [];
  const member = n.member;
  if (isScalar(member)) {
    // Member constraints are reported once, at the list, listing all of them (Coral style).
    const outer = quiet;
    quiet = true;
    quietBad = false;
    for (const e of v) if (e !== null && e !== undefined) out.push(decode(member, e));
    const bad = quietBad;
    quiet = outer;
    checkCount(n, out, out.length);
    if (bad && isConstrained(member)) {
      violation(shownList(n, out), `Member must satisfy constraint: ${member.summary}`);
    }
  } else {
    for (let i = 0; i < v.length; i++) {
      const e: unknown = v[i];
      if (e === null || e === undefined) continue;
      path.push(i + 1, "member");
      out.push(decode(member, e));
      path.length -= 2;
    }
    checkCount(n, out, out.length);
  }
  return out;
}

function decodeMap(n: MapNode, v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null) serialization("Expected null");
  if (Array.isArray(v)) serialization(START_LIST);
  const obj = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const outer = quiet;
  let badKey = false;
  let badValue = false;
  let count = 0;
  for (const k in obj) {
    const raw = obj[k];
    if (raw === null || raw === undefined) continue;
    count++;
    quiet = true;
    quietBad = false;
    decode(n.key, k);
    badKey ||= quietBad;
    let value: unknown;
    if (isScalar(n.value)) {
      quietBad = false;
      value = decode(n.value, raw);
      badValue ||= quietBad;
      quiet = outer;
    } else {
      quiet = outer;
      path.push(k);
      value = decode(n.value, raw);
      path.pop();
    }
    // "__proto__" is an ordinary key on the wire (JSON.parse makes it an own property).
    if (k === "__proto__") Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    else out[k] = value;
  }
  quiet = outer;
  checkCount(n, out, count);
  if (badKey && isConstrained(n.key)) {
    violation(shownMap(n, out), `Map keys must satisfy constraint: ${n.key.summary}`);
  }
  if (badValue && isConstrained(n.value)) {
    violation(shownMap(n, out), `Map value must satisfy constraint: ${n.value.summary}`);
  }
  return out;
}

function checkCount(n: ListNode | MapNode, value: unknown[] | Record<string, unknown>, count: number): void {
  if (count >= n.min && count <= n.max) return;
  const shown = n.kind === LIST ? shownList(n, value as unknown[]) : shownMap(n, value as Record<string, unknown>);
  if (count < n.min) violation(shown, `Member must have length greater than or equal to ${n.min}`);
  if (count > n.max) violation(shown, `Member must have length less than or equal to ${n.max}`);
}

function text(n: Node, v: unknown): string {
  if (v instanceof Date) return String(v.getTime() / 1000);
  if (Array.isArray(v)) return `[${v.map((e: unknown) => text((n as ListNode).member, e)).join(", ")}]`;
  if (typeof v === "object" && v !== null) {
    const m = n as MapNode;
    return `{${Object.entries(v).map(([k, x]) => `${text(m.key, k)}=${text(m.value, x)}`).join(", ")}}`;
  }
  return String(v);
}

function shownList(n: ListNode, v: unknown[]): string {
  return n.renderable ? `'${text(n, v)}'` : "";
}

function shownMap(n: MapNode, v: Record<string, unknown>): string {
  return n.renderable ? `'${text(n, v)}'` : "";
}

function decode(n: Node, v: unknown): unknown {
  switch (n.kind) {
    case STRUCT:
      return decodeStruct(n, v);
    case STRING:
      return decodeString(n, v);
    case BLOB:
      return decodeBlob(n, v);
    case INTEGER:
      return decodeInteger(n, v);
    case BOOLEAN:
      if (typeof v !== "boolean") mismatch(v, "a Boolean");
      return v;
    case TIMESTAMP:
      if (typeof v !== "number") mismatch(v, "a Date");
      return new Date(v * 1000);
    case LIST:
      return decodeList(n, v);
    case MAP:
      return decodeMap(n, v);
  }
}

/**
 * Decodes and validates the parsed JSON body of `op`. Throws KmsError SerializationException
 * (wrong JSON kinds, bad base64, a body that is not an object) or ValidationException (every
 * constraint violation, AWS wording).
 */
export function decodeInput<O extends OperationName>(op: O, body: unknown): OperationIO[O]["input"] {
  const p = plan(op);
  if (typeof body !== "object" || body === null) serialization("");
  if (Array.isArray(body)) serialization(START_LIST);
  path.length = 0;
  errors = null;
  quiet = false;
  secrets.length = 0;
  let ok = false;
  try {
    const out = decodeStruct(p, body);
    const found = errors as string[] | null;
    if (found !== null) {
      const count = found.length;
      throw new KmsError(
        "ValidationException",
        `${count} validation error${count === 1 ? "" : "s"} detected: ${found.join("; ")}`,
      );
    }
    ok = true;
    return out as unknown as OperationIO[O]["input"];
  } finally {
    if (!ok) for (const s of secrets) s.dispose();
    path.length = 0;
    errors = null;
    quiet = false;
    secrets.length = 0;
  }
}
