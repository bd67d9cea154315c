import { hash } from "node:crypto";

/**
 * The audit log's hash chain. Every line of a segment file is one JSON object: its body (a
 * CloudTrail event, an intent, a digest, ...) plus a `trent` member
 * `{ type, seq, prevHash, hash }` where
 *
 *   hash = SHA-256( canonicalJson({ type, seq, prevHash, body }) )   (lowercase hex)
 *
 * `body` is the line without its `trent` member; `seq` counts lines from 1 across every segment
 * and every restart; `prevHash` is the previous line's hash (GENESIS_HASH for seq 1). Removing,
 * reordering or editing a line breaks either a line's own hash or the next line's `prevHash`.
 *
 * The writer stores each line as the canonical body (keys sorted) with `trent` appended last, so
 * one serialisation serves both the hash and the file; a reader parses the JSON and re-canonicalises
 * the body, so verification does not depend on the byte layout.
 */

export const GENESIS_HASH = "0".repeat(64);

/**
 * Kinds of line:
 * - `event`: a CloudTrail-shaped record of one API call or service action;
 * - `intent`: written before a state-changing call in production (write-ahead): the attempt is on
 *   the log even if its outcome record could not be written;
 * - `digest`: signs the chain head with the audit signing key;
 * - `recovery`: first line of a segment opened after the previous segment ended with an
 *   incomplete line (a crash or a failed write); names those bytes so `verify` can tell them from
 *   tampering;
 * - `gap`: written when Trent found its own earlier lines missing or replaced on disk (operator
 *   action while running); `verify` reports it as removed records.
 */
export type LineType = "event" | "intent" | "digest" | "recovery" | "gap";
export const LINE_TYPES: readonly LineType[] = ["event", "intent", "digest", "recovery", "gap"];

export interface ChainMeta {
  readonly type: LineType;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export const GENESIS: ChainHead = { seq: 0, hash: GENESIS_HASH };

/**
 * JSON with object keys sorted (by UTF-16 code units, as Array.prototype.sort does) and no
 * whitespace. Accepts only what JSON can carry: null, booleans, finite numbers, strings, arrays
 * and plain objects. Anything else (a Buffer, a SecretBytes, a Date, a class instance) throws, so
 * that a secret holder can never be serialised into the log by accident. Object members whose
 * value is `undefined` are skipped, as JSON.stringify skips them.
 */
export function canonicalJson(value: unknown): string {
  const o = ordered(value, 0);
  return o === UNORDERABLE ? encode(value, 0) : JSON.stringify(o);
}

/** Marks a value JSON.stringify cannot write in canonical order (integer-like keys out of order). */
const UNORDERABLE: unique symbol = Symbol("unorderable");

function keysSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) >= (keys[i] as string)) return false;
  return true;
}

/**
 * The fast path of canonicalJson: checks `v` as `encode` does (throwing the same TypeErrors) and
 * returns a value whose JSON.stringify is the canonical text: `v` itself when every object's keys
 * already enumerate in sorted order (records are built that way), otherwise copies of the objects
 * that do not, with their keys inserted in sorted order. Returns UNORDERABLE when an object has
 * integer-like keys that JavaScript enumerates before others that sort first ({"9":..,"10":..}):
 * `encode` then writes the text. JSON.stringify and `encode` agree on everything else: strings
 * and numbers (encode uses JSON.stringify for them), undefined members skipped, undefined array
 * items written as null, no whitespace.
 */
function ordered(v: unknown, depth: number): unknown {
  if (v === null) return v;
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      if (!Number.isFinite(v)) throw new TypeError("canonicalJson: non-finite number");
      return v;
    case "object":
      break;
    default:
      throw new TypeError(`canonicalJson: cannot serialise a ${typeof v}`);
  }
  if (depth > 64) throw new TypeError("canonicalJson: nesting too deep");
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      const o = item === undefined ? item : ordered(item, depth + 1);
      if (o === UNORDERABLE) return UNORDERABLE;
      if (o !== item && copy === undefined) copy = v.slice(0, i) as unknown[];
      if (copy !== undefined) copy.push(o === undefined ? null : o);
    }
    return copy ?? v;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError("canonicalJson: only plain objects can be serialised");
  }
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  let sorted = keysSorted(keys);
  let children: Map<string, unknown> | undefined;
  for (const k of keys) {
    const item = obj[k];
    if (item === undefined) continue;
    const o = ordered(item, depth + 1);
    if (o === UNORDERABLE) return UNORDERABLE;
    if (o !== item) (children ??= new Map()).set(k, o);
  }
  if (sorted && children === undefined) return v;
  if (!sorted) keys.sort();
  // No prototype: a "__proto__" member (a client can name an encryption context key so) stays a member.
  const copy = Object.create(null) as Record<string, unknown>;
  for (const k of keys) {
    const item = obj[k];
    if (item === undefined) continue;
    copy[k] = children?.has(k) === true ? children.get(k) : item;
  }
  if (!sorted) sorted = keysSorted(Object.keys(copy));
  return sorted ? copy : UNORDERABLE;
}

/** The reference encoder (and the slow path for objects whose key order JSON.stringify cannot follow). */
function encode(v: unknown, depth: number): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "boolean":
      return v ? "true" : "false";
    case "number":
      if (!Number.isFinite(v)) throw new TypeError("canonicalJson: non-finite number");
      return JSON.stringify(v);
    case "object":
      break;
    default:
      throw new TypeError(`canonicalJson: cannot serialise a ${typeof v}`);
  }
  if (depth > 64) throw new TypeError("canonicalJson: nesting too deep");
  if (Array.isArray(v)) {
    let s = "[";
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      s += (i > 0 ? "," : "") + encode(item === undefined ? null : item, depth + 1);
    }
    return `${s}]`;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError("canonicalJson: only plain objects can be serialised");
  }
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length > 1) keys.sort();
  let s = "{";
  let first = true;
  for (const k of keys) {
    const item = obj[k];
    if (item === undefined) continue;
    s += `${first ? "" : ","}${JSON.stringify(k)}:${encode(item, depth + 1)}`;
    first = false;
  }
  return `${s}}`;
}

export function sha256Hex(data: string | Uint8Array): string {
  return hash("sha256", data, "hex");
}

export function lineHash(type: LineType, seq: number, prevHash: string, body: Readonly<Record<string, unknown>>): string {
  return lineHashOfCanonicalBody(type, seq, prevHash, canonicalJson(body));
}

/**
 * The same hash from the body's canonical form, computed once by the writer:
 * canonicalJson({ type, seq, prevHash, body }) with its keys in sorted order spelled out.
 */
export function lineHashOfCanonicalBody(type: LineType, seq: number, prevHash: string, canonicalBody: string): string {
  return sha256Hex(`{"body":${canonicalBody},"prevHash":${JSON.stringify(prevHash)},"seq":${seq},"type":${JSON.stringify(type)}}`);
}

export interface BuiltLine {
  readonly meta: ChainMeta;
  /** The serialised line, newline included. */
  readonly text: string;
}

/**
 * Chains `body` after `head`. `body` must not have a `trent` member; `canonicalBody` is
 * canonicalJson(body) when the caller already has it.
 */
export function buildLine(
  type: LineType,
  body: Readonly<Record<string, unknown>>,
  head: ChainHead,
  canonicalBody: string = canonicalJson(body),
): BuiltLine {
  if (Object.prototype.hasOwnProperty.call(body, "trent")) throw new TypeError("a record body must not have a trent member");
  return buildLineFromCanonical(type, canonicalBody, head);
}

/**
 * buildLine from the body's canonical text alone (the writer keeps only the text of a queued
 * record, and checks for a `trent` member when it serialises the body).
 */
export function buildLineFromCanonical(type: LineType, canonicalBody: string, head: ChainHead): BuiltLine {
  if (!canonicalBody.startsWith("{")) throw new TypeError("a record body must be an object");
  const seq = head.seq + 1;
  const hash = lineHashOfCanonicalBody(type, seq, head.hash, canonicalBody);
  const meta: ChainMeta = { type, seq, prevHash: head.hash, hash };
  // The line is the canonical body with the chain member added last (canonical bodies are objects).
  const trent = `"trent":{"type":"${type}","seq":${seq},"prevHash":"${head.hash}","hash":"${hash}"}`;
  const text = canonicalBody === "{}" ? `{${trent}}\n` : `${canonicalBody.slice(0, -1)},${trent}}\n`;
  return { meta, text };
}

export interface ParsedLine {
  readonly meta: ChainMeta;
  readonly body: Record<string, unknown>;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses one line; undefined when it is not JSON or has no well-formed `trent` member. */
export function parseLine(text: string): ParsedLine | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return undefined;
  const { trent, ...body } = obj as Record<string, unknown>;
  if (typeof trent !== "object" || trent === null) return undefined;
  const t = trent as Record<string, unknown>;
  const type = t["type"];
  const seq = t["seq"];
  const prevHash = t["prevHash"];
  const hash = t["hash"];
  if (typeof type !== "string" || !(LINE_TYPES as readonly string[]).includes(type)) return undefined;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  if (typeof prevHash !== "string" || !HEX64.test(prevHash)) return undefined;
  if (typeof hash !== "string" || !HEX64.test(hash)) return undefined;
  return { meta: { type: type as LineType, seq, prevHash, hash }, body };
}

/** Whether a parsed line's stored hash matches its content. */
export function hashMatches(line: ParsedLine): boolean {
  try {
    return lineHash(line.meta.type, line.meta.seq, line.meta.prevHash, line.body) === line.meta.hash;
  } catch {
    return false;
  }
}
