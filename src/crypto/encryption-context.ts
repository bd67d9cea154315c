/**
 * Canonical form of an encryption context: the pair count, then the pairs sorted by the UTF-8
 * bytes of their keys, each key and value length-prefixed (uint32 big-endian). Two contexts are
 * equal exactly when their canonical forms are equal, whatever order the client sent them in.
 */
export type EncryptionContext = Readonly<Record<string, string>>;

const EMPTY = Buffer.alloc(4);

export function canonicalEncryptionContext(ec: EncryptionContext | undefined): Buffer {
  if (ec === undefined) return EMPTY;
  const keys = Object.keys(ec);
  if (keys.length === 0) return EMPTY;
  const entries = keys.map((k) => [Buffer.from(k, "utf8"), Buffer.from(ec[k] ?? "", "utf8")] as const);
  entries.sort((a, b) => Buffer.compare(a[0], b[0]));
  let size = 4;
  for (const [k, v] of entries) size += 8 + k.length + v.length;
  const out = Buffer.alloc(size);
  let off = out.writeUInt32BE(entries.length, 0);
  for (const [k, v] of entries) {
    off = out.writeUInt32BE(k.length, off);
    off += k.copy(out, off);
    off = out.writeUInt32BE(v.length, off);
    off += v.copy(out, off);
  }
  return out;
}

/** True when both contexts hold the same pairs (order-insensitive, exact bytes). */
export function sameEncryptionContext(a: EncryptionContext | undefined, b: EncryptionContext | undefined): boolean {
  return canonicalEncryptionContext(a).equals(canonicalEncryptionContext(b));
}
