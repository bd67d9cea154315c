import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { combine, split } from "shamir-secret-sharing";
import { SecretBytes } from "../crypto/secret-bytes.js";

/**
 * Shamir shares of the unseal key, as text an operator can keep and type back:
 *
 *   trent-share-2-of-5:9f3a2c1b:<base64url>
 *
 * `2-of-5` is the share's number in its set (a label for people; the polynomial's x coordinate is
 * inside the share bytes); `9f3a2c1b` names the share set (a new one at every init and rekey, so
 * a share from before a rekey is recognised as such); the base64url part is the share
 * (secret length + 1 bytes, as shamir-secret-sharing makes them) followed by a 4-byte check
 * value over everything before it, so a mistyped share is caught on its own, before it spoils a
 * combination. The check value is no secret beyond the share that carries it.
 */

export const SECRET_LEN = 32;
const SHARE_LEN = SECRET_LEN + 1;
const CHECK_LEN = 4;
const SHARE_RE = /^trent-share-(\d{1,3})-of-(\d{1,3}):([0-9a-f]{8}):([A-Za-z0-9_-]+)$/;

export interface ShareSetInfo {
  readonly id: string;
  readonly shares: number;
  readonly threshold: number;
}

export interface ParsedShare {
  /** Number of the share in its set, 1-based (the label in its text). */
  readonly index: number;
  /** Size of its set. */
  readonly of: number;
  readonly setId: string;
  /** The polynomial's x coordinate (last byte of the share). */
  readonly x: number;
  /** The share bytes as shamir-secret-sharing uses them. */
  readonly bytes: SecretBytes;
}

/** Text that is not a well-formed Trent share (or was mistyped). */
export class ShareFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShareFormatError";
  }
}

export function newShareSetId(): string {
  return randomBytes(4).toString("hex");
}

/** Checks 2 <= threshold <= shares <= 255 (the library's limits). */
export function validateShareCounts(shares: number, threshold: number): void {
  if (!Number.isInteger(shares) || !Number.isInteger(threshold)) throw new RangeError("shares and threshold must be integers");
  if (threshold < 2) throw new RangeError("the threshold must be at least 2");
  if (shares < threshold) throw new RangeError("there must be at least as many shares as the threshold");
  if (shares > 255) throw new RangeError("at most 255 shares");
}

function check(setId: string, index: number, of: number, share: Uint8Array): Buffer {
  return createHash("sha256")
    .update(`trent-share/v1\0${setId}\0${index}\0${of}\0`, "utf8")
    .update(share)
    .digest()
    .subarray(0, CHECK_LEN);
}

/** Splits a 32-byte secret into `set.shares` share texts, any `set.threshold` of which rebuild it. */
export async function splitSecret(secret: SecretBytes, set: ShareSetInfo): Promise<string[]> {
  validateShareCounts(set.shares, set.threshold);
  if (secret.length !== SECRET_LEN) throw new RangeError(`the secret must be ${SECRET_LEN} bytes`);
  // The library wants a plain Uint8Array (it rejects a Buffer).
  const plain = new Uint8Array(secret.expose());
  try {
    const parts = await split(plain, set.shares, set.threshold);
    return parts.map((part, i) => {
      const index = i + 1;
      const payload = Buffer.concat([part, check(set.id, index, set.shares, part)]);
      const text = `trent-share-${index}-of-${set.shares}:${set.id}:${payload.toString("base64url")}`;
      payload.fill(0);
      part.fill(0);
      return text;
    });
  } finally {
    plain.fill(0);
  }
}

/** Parses one share text (surrounding and embedded whitespace ignored); throws ShareFormatError. */
export function parseShare(text: string): ParsedShare {
  const m = SHARE_RE.exec(text.replace(/\s+/g, ""));
  if (m === null) throw new ShareFormatError("this is not a Trent share (expected trent-share-<n>-of-<m>:<set>:<data>)");
  const [, indexText, ofText, setId, data] = m;
  const index = Number(indexText);
  const of = Number(ofText);
  if (setId === undefined || data === undefined || index < 1 || of < 2 || index > of) {
    throw new ShareFormatError("the share's number is out of range");
  }
  const payload = Buffer.from(data, "base64url");
  try {
    if (payload.length !== SHARE_LEN + CHECK_LEN) throw new ShareFormatError("the share has the wrong length (mistyped?)");
    const share = payload.subarray(0, SHARE_LEN);
    if (!timingSafeEqual(payload.subarray(SHARE_LEN), check(setId, index, of, share))) {
      throw new ShareFormatError("the share's check value does not match (mistyped?)");
    }
    const x = share[SHARE_LEN - 1] ?? 0;
    if (x === 0) throw new ShareFormatError("the share is malformed");
    return { index, of, setId, x, bytes: SecretBytes.copyOf(share) };
  } finally {
    payload.fill(0);
  }
}

/**
 * Rebuilds the secret from shares of one set (distinct x coordinates). With fewer than the
 * threshold, or a wrong share, the result is some other 32 bytes: the caller must check it.
 */
export async function combineShares(shares: readonly ParsedShare[]): Promise<SecretBytes> {
  const plain = shares.map((s) => new Uint8Array(s.bytes.expose()));
  try {
    const secret = await combine(plain);
    return SecretBytes.adopt(Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength));
  } finally {
    for (const p of plain) p.fill(0);
  }
}
