import { randomFillSync } from "node:crypto";

/** A source of cryptographically secure random bytes: `random(n)` gives a new buffer of n bytes. */
export type RandomSource = (n: number) => Buffer;

/**
 * Random bytes served from a pool filled by one `randomFillSync` (CSPRNG, as `randomBytes`) and
 * refilled when used up: a request's nonce, IV and data key then cost a copy each instead of a
 * call into OpenSSL each. Every result is a copy in its own memory (never a view of the pool),
 * and the bytes handed out are zeroed in the pool, so a later look at the pool reveals nothing
 * given out before. Requests larger than a quarter of the pool bypass it.
 */
export function randomPool(size = 16 * 1024): RandomSource {
  const pool = Buffer.allocUnsafeSlow(size);
  let offset = size;
  return (n: number): Buffer => {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError("random: byte count out of range");
    const out = Buffer.allocUnsafeSlow(n);
    if (n > size >> 2) return randomFillSync(out);
    if (offset + n > size) {
      randomFillSync(pool);
      offset = 0;
    }
    pool.copy(out, 0, offset, offset + n);
    pool.fill(0, offset, offset + n);
    offset += n;
    return out;
  };
}
