/**
 * Self-describing ciphertext blob for symmetric encryption under a KMS key.
 *
 *   offset  size  field
 *   0       1     format (0x01 = software backing key, KDF + AES-256-GCM). No valid zero.
 *   1       16    KMS key id (UUID bytes)
 *   17      32    key material id (backing-key version)
 *   49      32    nonce N (KDF context)
 *   81      12    AES-GCM IV
 *   93      16    AES-GCM tag
 *   109     n     ciphertext
 *
 * The header (bytes 0..92) is authenticated as AAD together with the canonical encryption context.
 */
export const FORMAT_SYMMETRIC_V1 = 0x01;

export const KEY_ID_LEN = 16;
export const MATERIAL_ID_LEN = 32;
export const NONCE_LEN = 32;
export const IV_LEN = 12;
export const TAG_LEN = 16;
export const HEADER_LEN = 1 + KEY_ID_LEN + MATERIAL_ID_LEN + NONCE_LEN + IV_LEN;
export const BLOB_OVERHEAD = HEADER_LEN + TAG_LEN;

export interface SymmetricBlob {
  readonly format: typeof FORMAT_SYMMETRIC_V1;
  /** Lower-case UUID text of the KMS key. */
  readonly keyId: string;
  /** Lower-case hex of the 32-byte key material id. */
  readonly materialId: string;
  readonly header: Buffer;
  readonly nonce: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly ciphertext: Buffer;
}

export function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new RangeError("not a UUID");
  return Buffer.from(hex, "hex");
}

export function bytesToUuid(b: Buffer): string {
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function buildHeader(keyId: string, materialId: string, nonce: Buffer, iv: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_LEN);
  header[0] = FORMAT_SYMMETRIC_V1;
  uuidToBytes(keyId).copy(header, 1);
  const mat = Buffer.from(materialId, "hex");
  if (mat.length !== MATERIAL_ID_LEN) throw new RangeError("material id must be 32 bytes");
  mat.copy(header, 1 + KEY_ID_LEN);
  if (nonce.length !== NONCE_LEN || iv.length !== IV_LEN) throw new RangeError("bad nonce or iv length");
  nonce.copy(header, 1 + KEY_ID_LEN + MATERIAL_ID_LEN);
  iv.copy(header, 1 + KEY_ID_LEN + MATERIAL_ID_LEN + NONCE_LEN);
  return header;
}

export function assembleBlob(header: Buffer, tag: Buffer, ciphertext: Buffer): Buffer {
  return Buffer.concat([header, tag, ciphertext]);
}

/** Parses a blob's framing. Returns undefined for anything that is not a well-formed v1 blob. */
export function parseSymmetricBlob(blob: Uint8Array): SymmetricBlob | undefined {
  if (blob.length < BLOB_OVERHEAD || blob[0] !== FORMAT_SYMMETRIC_V1) return undefined;
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  let off = 1;
  const keyId = bytesToUuid(b.subarray(off, (off += KEY_ID_LEN)));
  const materialId = b.subarray(off, (off += MATERIAL_ID_LEN)).toString("hex");
  const nonce = b.subarray(off, (off += NONCE_LEN));
  const iv = b.subarray(off, (off += IV_LEN));
  const header = b.subarray(0, HEADER_LEN);
  const tag = b.subarray(off, (off += TAG_LEN));
  const ciphertext = b.subarray(off);
  return { format: FORMAT_SYMMETRIC_V1, keyId, materialId, header, nonce, iv, tag, ciphertext };
}
