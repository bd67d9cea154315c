import { createHmac } from "node:crypto";
import { SecretBytes } from "./secret-bytes.js";

/**
 * NIST SP 800-108 KDF in counter mode with HMAC-SHA256 (r = 32-bit counter before the fixed input):
 *   K(i) = HMAC(KI, [i]_32 || Label || 0x00 || Context || [L]_32), output = K(1) || K(2) || ...
 */
export function kdfCounterHmacSha256(
  keyIn: SecretBytes,
  label: Uint8Array,
  context: Uint8Array,
  outLength: number,
): SecretBytes {
  if (!Number.isInteger(outLength) || outLength <= 0 || outLength > 1024) {
    throw new RangeError("KDF output length out of range");
  }
  const bits = Buffer.alloc(4);
  bits.writeUInt32BE(outLength * 8);
  const out = Buffer.alloc(Math.ceil(outLength / 32) * 32);
  const counter = Buffer.alloc(4);
  const sep = Buffer.of(0);
  for (let i = 1, off = 0; off < outLength; i++, off += 32) {
    counter.writeUInt32BE(i);
    const mac = createHmac("sha256", keyIn.expose());
    mac.update(counter).update(label).update(sep).update(context).update(bits);
    mac.digest().copy(out, off);
  }
  if (out.length === outLength) return SecretBytes.adopt(out);
  const trimmed = Buffer.from(out.subarray(0, outLength));
  out.fill(0);
  return SecretBytes.adopt(trimmed);
}
