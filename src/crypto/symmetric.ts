import { createCipheriv, createDecipheriv } from "node:crypto";
import { SecretBytes } from "./secret-bytes.js";
import { kdfCounterHmacSha256 } from "./kdf.js";
import { canonicalEncryptionContext, type EncryptionContext } from "./encryption-context.js";
import {
  IV_LEN,
  NONCE_LEN,
  TAG_LEN,
  assembleBlob,
  buildHeader,
  type SymmetricBlob,
} from "./ciphertext-blob.js";

const KDF_LABEL = Buffer.from("trent/v1/symmetric-encrypt", "utf8");

export type RandomSource = (n: number) => Buffer;

function derivedKey(backingKey: SecretBytes, header: Buffer): SecretBytes {
  // The KDF context is the header without the IV: format, key id, material id, nonce.
  return kdfCounterHmacSha256(backingKey, KDF_LABEL, header.subarray(0, header.length - IV_LEN), 32);
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
  const header = buildHeader(args.keyId, args.materialId, args.random(NONCE_LEN), args.random(IV_LEN));
  const k = derivedKey(args.backingKey, header);
  try {
    const iv = header.subarray(header.length - IV_LEN);
    const cipher = createCipheriv("aes-256-gcm", k.expose(), iv, { authTagLength: TAG_LEN });
    cipher.setAAD(Buffer.concat([header, canonicalEncryptionContext(args.encryptionContext)]));
    const ct = Buffer.concat([cipher.update(args.plaintext.expose()), cipher.final()]);
    return assembleBlob(header, cipher.getAuthTag(), ct);
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
  try {
    const decipher = createDecipheriv("aes-256-gcm", k.expose(), blob.iv, { authTagLength: TAG_LEN });
    decipher.setAAD(Buffer.concat([blob.header, canonicalEncryptionContext(encryptionContext)]));
    decipher.setAuthTag(blob.tag);
    const pt = Buffer.concat([decipher.update(blob.ciphertext), decipher.final()]);
    return SecretBytes.adopt(pt);
  } catch {
    return undefined;
  } finally {
    k.dispose();
  }
}
