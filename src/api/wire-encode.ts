/**
 * JSON wire encoder (awsJson1_1) driven by the generated model tables.
 *
 * `encodeOutput(op, output)` writes the response body: members in model order, undefined (and
 * null) members omitted, members the model does not know about never written. Blobs become
 * base64, SecretBytes become base64 of their bytes (see `secretBase64`: the one place that puts
 * plaintext into a response), Dates become epoch seconds (fractional when the Date has
 * milliseconds, e.g. 1700000000.123).
 *
 * Each shape is compiled once into a small encoder function; a call only concatenates strings.
 * A value of the wrong kind is a bug in an operation and throws a TypeError (an internal error).
 */
import { SecretBytes } from "../crypto/secret-bytes.js";
import { operations, shapes } from "../generated/kms-model.js";
import type { OperationIO, OperationName } from "../generated/kms-types.js";

type Encoder = (v: unknown) => string;

/**
 * Base64 of a secret's bytes, for the response body. This is the one place that encodes
 * plaintext (Plaintext, SharedSecret, PrivateKeyPlaintext, ...) onto the wire.
 */
function secretBase64(s: SecretBytes): string {
  return s.expose().toString("base64");
}

function blobBase64(v: unknown): string {
  if (v instanceof SecretBytes) return `"${secretBase64(v)}"`;
  if (v instanceof Uint8Array) return `"${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64")}"`;
  throw new TypeError("wire-encode: blob member is not a Uint8Array or SecretBytes");
}

function encodeString(v: unknown): string {
  if (typeof v !== "string") throw new TypeError("wire-encode: string member is not a string");
  return JSON.stringify(v);
}

function encodeInteger(v: unknown): string {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError("wire-encode: integer member is not a finite number");
  return String(v);
}

function encodeBoolean(v: unknown): string {
  if (typeof v !== "boolean") throw new TypeError("wire-encode: boolean member is not a boolean");
  return v ? "true" : "false";
}

function encodeTimestamp(v: unknown): string {
  const seconds = v instanceof Date ? v.getTime() / 1000 : v;
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) throw new TypeError("wire-encode: timestamp member is not a valid Date");
  return String(seconds);
}

const compiled = new Map<string, Encoder>();

function compile(name: string): Encoder {
  const done = compiled.get(name);
  if (done !== undefined) return done;
  const s = shapes[name];
  if (s === undefined) throw new Error(`wire-encode: no shape ${name} in the model tables`);
  let enc: Encoder;
  switch (s.type) {
    case "structure": {
      const members: { wire: string; prefix: string; enc: Encoder }[] = [];
      // Registered before its members are compiled, so recursive shapes resolve lazily.
      enc = (v: unknown): string => {
        if (typeof v !== "object" || v === null || Array.isArray(v)) throw new TypeError(`wire-encode: ${name} is not an object`);
        const obj = v as Record<string, unknown>;
        let out = "{";
        for (const m of members) {
          const x = obj[m.wire];
          if (x === undefined || x === null) continue;
          out += (out.length === 1 ? m.prefix : "," + m.prefix) + m.enc(x);
        }
        return out + "}";
      };
      compiled.set(name, enc);
      for (const [wire, m] of Object.entries(s.members)) {
        members.push({ wire, prefix: `${JSON.stringify(wire)}:`, enc: compile(m.target) });
      }
      return enc;
    }
    case "string":
      enc = encodeString;
      break;
    case "blob":
      enc = blobBase64;
      break;
    case "integer":
      enc = encodeInteger;
      break;
    case "boolean":
      enc = encodeBoolean;
      break;
    case "timestamp":
      enc = encodeTimestamp;
      break;
    case "list": {
      const member = compile(s.member);
      enc = (v: unknown): string => {
        if (!Array.isArray(v)) throw new TypeError(`wire-encode: ${name} is not an array`);
        let out = "[";
        for (let i = 0; i < v.length; i++) out += (i === 0 ? "" : ",") + member(v[i]);
        return out + "]";
      };
      break;
    }
    case "map": {
      const value = compile(s.value);
      enc = (v: unknown): string => {
        if (typeof v !== "object" || v === null || Array.isArray(v)) throw new TypeError(`wire-encode: ${name} is not an object`);
        let out = "{";
        for (const [k, x] of Object.entries(v)) {
          if (x === undefined || x === null) continue;
          out += (out.length === 1 ? "" : ",") + JSON.stringify(k) + ":" + value(x);
        }
        return out + "}";
      };
      break;
    }
  }
  compiled.set(name, enc);
  return enc;
}

const plans = new Map<string, Encoder>();

/** Encodes the output of `op` as the JSON text of the response body. */
export function encodeOutput<O extends OperationName>(op: O, output: OperationIO[O]["output"]): string {
  let enc = plans.get(op);
  if (enc === undefined) {
    const o = (operations as Readonly<Record<string, { readonly output: string } | undefined>>)[op];
    if (o === undefined) throw new Error(`wire-encode: unknown operation ${op}`);
    enc = compile(o.output);
    plans.set(op, enc);
  }
  return enc(output);
}
