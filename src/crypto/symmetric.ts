import { createCipheriv, createDecipheriv } from "node:crypto";
import { SecretBytes } from "./secret-bytes.js";
import { kdfCounterHmacSha256 } from "./kdf.js";
import { canonicalEncryptionContext, type EncryptionContext } from "./encryption-context.js";
import { HEADER_LEN, IV_LEN, NONCE_LEN, TAG_LEN, writeHeader, type SymmetricBlob } from "./ciphertext-blob.js";
import type { RandomSource } from "./random-pool.js";

const KDF_LABEL = Buffer.from("trent/v1/symmetric-encrypt", "utf8");

export type { RandomSource };

function derivedKey(backingKey: SecretBytes, header: Buffer): SecretBytes {
  // The KDF context is the header without the IV: format, key id, material id, nonce.
  return kdfCounterHmacSha256(backingKey, KDF_LABEL, header.subarray(0, HEADER_LEN - IV_LEN), 32);
}

/** Encrypts under a backing key: K = KDF(backing, N), AES-256-GCM, AAD = header || canonical(ec). */
export function sealSymmetric(args: {
  backingKey: SecretBytes;
  keyId: string;
  materialId: string;
  plaintext: SecretBytes;
  encryptionContext: EncryptionContext | undefined;
  random: RandomSource;
}): Buffer {
  const plaintext = args.plaintext.expose();
  // The blob is written in place: header, then tag, then ciphertext.
  const blob = Buffer.allocUnsafe(HEADER_LEN + TAG_LEN + plaintext.length);
  const header = blob.subarray(0, HEADER_LEN);
  writeHeader(header, args.keyId, args.materialId, args.random(NONCE_LEN), args.random(IV_LEN));
  const k = derivedKey(args.backingKey, header);
  try {
    const iv = header.subarray(HEADER_LEN - IV_LEN);
    const cipher = createCipheriv("aes-256-gcm", k.expose(), iv, { authTagLength: TAG_LEN });
    // Two AAD calls authenticate exactly header || canonical(ec), as one call over both would.
    cipher.setAAD(header);
    cipher.setAAD(canonicalEncryptionContext(args.encryptionContext));
    const ct = cipher.update(plaintext);
    const rest = cipher.final(); // empty for GCM
    ct.copy(blob, HEADER_LEN + TAG_LEN);
    if (rest.length > 0) throw new Error("unexpected AES-GCM output at final");
    cipher.getAuthTag().copy(blob, HEADER_LEN);
    return blob;
  } finally {
    k.dispose();
  }
}

/** Decrypts a parsed blob. Returns undefined on any authentication failure (no detail: no oracle). */
export function openSymmetric(
  blob: SymmetricBlob,
  backingKey: SecretBytes,
  encryptionContext: EncryptionContext | undefined,
): SecretBytes | undefined {
  const k = derivedKey(backingKey, blob.header);
  let pt: Buffer | undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", k.expose(), blob.iv, { authTagLength: TAG_LEN });
    decipher.setAAD(blob.header);
    decipher.setAAD(canonicalEncryptionContext(encryptionContext));
    decipher.setAuthTag(blob.tag);
    pt = decipher.update(blob.ciphertext);
    const rest = decipher.final(); // throws when the tag does not verify; empty for GCM
    const out = pt;
    pt = undefined;
    if (rest.length === 0) return SecretBytes.adopt(out);
    const all = Buffer.concat([out, rest]);
    out.fill(0);
    return SecretBytes.adopt(all);
  } catch {
    return undefined;
  } finally {
    pt?.fill(0); // unauthenticated plaintext of a rejected blob
    k.dispose();
  }
}
