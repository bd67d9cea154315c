/**
 * The few DER pieces this layer builds and reads by hand: SubjectPublicKeyInfo and PKCS#8 for
 * ML-DSA (node:crypto on Node 20 does not know ML-DSA), the SM2 ciphertext structure, and the
 * private scalar inside an EC or Ed25519 PKCS#8 key. Definite lengths only; the reader is strict
 * (minimal length encoding, no trailing bytes where a whole structure is expected).
 */

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
} as const;

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV. */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.of(tag), encodeLength(body.length), body]);
}

export function sequence(...items: Uint8Array[]): Buffer {
  return tlv(TAG.SEQUENCE, ...items);
}

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split(".").map((s) => Number.parseInt(s, 10));
  const [a, b, ...rest] = arcs;
  if (a === undefined || b === undefined) throw new Error("OID needs two arcs");
  const out: number[] = [a * 40 + b];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(TAG.OID, Buffer.from(out));
}

/** A non-negative INTEGER from big-endian magnitude bytes (leading zeros stripped, sign byte added). */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = Buffer.from(magnitude.subarray(i));
  const body = m.length === 0 ? Buffer.of(0) : (m[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.of(0), m]) : m;
  return tlv(TAG.INTEGER, body);
}

export interface Tlv {
  tag: number;
  /** The content bytes (a view into the input). */
  content: Buffer;
  /** Offset just past this TLV. */
  end: number;
}

export class DerError extends Error {
  override readonly name = "DerError";
}

/** Reads one TLV at `offset`. */
export function readTlv(buf: Buffer, offset = 0): Tlv {
  const tag = buf[offset];
  const first = buf[offset + 1];
  if (tag === undefined || first === undefined) throw new DerError("truncated");
  let pos = offset + 2;
  let len = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new DerError("unsupported length");
    len = 0;
    for (let i = 0; i < n; i++) {
      const b = buf[pos++];
      if (b === undefined) throw new DerError("truncated");
      if (i === 0 && b === 0) throw new DerError("non-minimal length");
      len = len * 256 + b;
    }
    if (len < 0x80) throw new DerError("non-minimal length");
  }
  const end = pos + len;
  if (end > buf.length) throw new DerError("truncated");
  return { tag, content: buf.subarray(pos, end), end };
}

/** Reads a TLV that must have `tag`. */
export function expect(buf: Buffer, offset: number, tag: number): Tlv {
  const t = readTlv(buf, offset);
  if (t.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}`);
  return t;
}

/** The children of a constructed value's content. */
export function children(content: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = 0; pos < content.length; ) {
    const t = readTlv(content, pos);
    out.push(t);
    pos = t.end;
  }
  return out;
}

/** Parses a whole buffer as one SEQUENCE and returns its children. */
export function parseSequence(buf: Buffer): Tlv[] {
  const t = expect(buf, 0, TAG.SEQUENCE);
  if (t.end !== buf.length) throw new DerError("trailing bytes");
  return children(t.content);
}

/** Dotted form of an OBJECT IDENTIFIER's content bytes. */
export function oidToString(content: Buffer): string {
  const arcs: number[] = [];
  let v = 0;
  for (const b of content) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (arcs.length === 0) {
        const a = v < 80 ? Math.floor(v / 40) : 2;
        arcs.push(a, v - a * 40);
      } else arcs.push(v);
      v = 0;
    }
  }
  return arcs.join(".");
}

/** The magnitude of a non-negative INTEGER's content, without the sign byte. */
export function integerMagnitude(content: Buffer): Buffer {
  if (content.length === 0 || ((content[0] ?? 0) & 0x80) !== 0) throw new DerError("not a non-negative integer");
  return content[0] === 0 && content.length > 1 ? content.subarray(1) : content;
}

/** Left-pads big-endian bytes to `len` (throws if longer). */
export function leftPad(bytes: Uint8Array, len: number): Buffer {
  if (bytes.length > len) throw new DerError("value too long");
  const out = Buffer.alloc(len);
  out.set(bytes, len - bytes.length);
  return out;
}
