import { createHmac } from "node:crypto";
import { SecretBytes } from "./secret-bytes.js";

const SEPARATOR = Buffer.of(0);
const FIRST_COUNTER = Buffer.of(0, 0, 0, 1);

/** [L]_32 of the usual output lengths, built once. */
const LENGTH_BITS = new Map<number, Buffer>();
function lengthBits(outLength: number): Buffer {
  let bits = LENGTH_BITS.get(outLength);
  if (bits === undefined) {
    bits = Buffer.alloc(4);
    bits.writeUInt32BE(outLength * 8);
    if (LENGTH_BITS.size < 64) LENGTH_BITS.set(outLength, bits);
  }
  return bits;
}

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
  const bits = lengthBits(outLength);
  if (outLength === 32) {
    // One PRF block, whose digest is the output; its input is assembled first (one update).
    const input = Buffer.allocUnsafe(4 + label.length + 1 + context.length + 4);
    let off = 0;
    input.set(FIRST_COUNTER, off);
    input.set(label, (off += 4));
    input[(off += label.length)] = 0;
    input.set(context, (off += 1));
    input.set(bits, off + context.length);
    return SecretBytes.adopt(createHmac("sha256", keyIn.expose()).update(input).digest());
  }
  const out = Buffer.alloc(Math.ceil(outLength / 32) * 32);
  const counter = Buffer.alloc(4);
  for (let i = 1, off = 0; off < outLength; i++, off += 32) {
    counter.writeUInt32BE(i);
    const mac = createHmac("sha256", keyIn.expose());
    mac.update(counter).update(label).update(SEPARATOR).update(context).update(bits);
    mac.digest().copy(out, off);
  }
  if (out.length === outLength) return SecretBytes.adopt(out);
  const trimmed = Buffer.from(out.subarray(0, outLength));
  out.fill(0);
  return SecretBytes.adopt(trimmed);
}
