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
  const header = Buffer.allocUnsafe(HEADER_LEN);
  writeHeader(header, keyId, materialId, nonce, iv);
  return header;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** Value of a hex digit (either case), or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/**
 * Decodes `count` bytes of hex from `text` (starting at `from`, skipping "-" when `dashes`) into
 * `out` at `offset`; false when the text is not exactly that (no regex, no intermediate buffer).
 */
function writeHex(out: Buffer, offset: number, text: string, count: number, lowerOnly: boolean, dashes: boolean): boolean {
  let i = 0;
  for (let n = 0; n < count; n++) {
    if (dashes) while (text.charCodeAt(i) === 0x2d) i++;
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    const hi = hexValue(a);
    const lo = hexValue(b);
    if (hi < 0 || lo < 0 || (lowerOnly && (a >= 0x41 && a <= 0x46 || b >= 0x41 && b <= 0x46))) return false;
    out[offset + n] = (hi << 4) | lo;
    i += 2;
  }
  if (dashes) while (text.charCodeAt(i) === 0x2d) i++;
  return i === text.length;
}

/** Writes the header into `out` (at least HEADER_LEN bytes) without intermediate buffers. */
export function writeHeader(out: Buffer, keyId: string, materialId: string, nonce: Uint8Array, iv: Uint8Array): void {
  if (out.length < HEADER_LEN) throw new RangeError("header buffer too short");
  if (nonce.length !== NONCE_LEN || iv.length !== IV_LEN) throw new RangeError("bad nonce or iv length");
  out[0] = FORMAT_SYMMETRIC_V1;
  // The key id: 32 lower-case hex digits, dashes anywhere ignored (as uuidToBytes reads it).
  if (!writeHex(out, 1, keyId, KEY_ID_LEN, true, true)) throw new RangeError("not a UUID");
  if (!writeHex(out, 1 + KEY_ID_LEN, materialId, MATERIAL_ID_LEN, false, false)) throw new RangeError("material id must be 32 bytes");
  out.set(nonce, 1 + KEY_ID_LEN + MATERIAL_ID_LEN);
  out.set(iv, 1 + KEY_ID_LEN + MATERIAL_ID_LEN + NONCE_LEN);
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

/**
 * Ciphertext of a KMS key in a custom key store (format 0x02): AES-256-GCM computed inside the
 * PKCS#11 token with the key's non-extractable token key; no KDF, the key material never leaves
 * the token.
 *
 *   offset  size  field
 *   0       1     format (0x02 = HSM-resident key, AES-256-GCM in the token)
 *   1       16    KMS key id (UUID bytes)
 *   17      32    key material id (the token key's CKA_ID)
 *   49      12    AES-GCM IV
 *   61      n     ciphertext
 *   61+n    16    AES-GCM tag (PKCS#11 returns ciphertext || tag)
 *
 * The header (bytes 0..60) is authenticated as AAD together with the canonical encryption context.
 */
export const FORMAT_HSM_V1 = 0x02;
export const HSM_HEADER_LEN = 1 + KEY_ID_LEN + MATERIAL_ID_LEN + IV_LEN;
export const HSM_BLOB_OVERHEAD = HSM_HEADER_LEN + TAG_LEN;

export interface HsmBlob {
  readonly format: typeof FORMAT_HSM_V1;
  readonly keyId: string;
  readonly materialId: string;
  readonly header: Buffer;
  readonly iv: Buffer;
  /** ciphertext || tag, as the token takes it. */
  readonly ciphertextAndTag: Buffer;
}

export function buildHsmHeader(keyId: string, materialId: string, iv: Uint8Array): Buffer {
  const hex = keyId.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new RangeError("not a UUID");
  if (!HEX64.test(materialId)) throw new RangeError("material id must be 32 bytes");
  if (iv.length !== IV_LEN) throw new RangeError("bad iv length");
  const header = Buffer.allocUnsafe(HSM_HEADER_LEN);
  header[0] = FORMAT_HSM_V1;
  header.write(hex, 1, KEY_ID_LEN, "hex");
  header.write(materialId, 1 + KEY_ID_LEN, MATERIAL_ID_LEN, "hex");
  header.set(iv, 1 + KEY_ID_LEN + MATERIAL_ID_LEN);
  return header;
}

/** Parses a format-0x02 blob's framing; undefined for anything else. */
export function parseHsmBlob(blob: Uint8Array): HsmBlob | undefined {
  if (blob.length < HSM_BLOB_OVERHEAD || blob[0] !== FORMAT_HSM_V1) return undefined;
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const keyId = bytesToUuid(b.subarray(1, 1 + KEY_ID_LEN));
  const materialId = b.subarray(1 + KEY_ID_LEN, 1 + KEY_ID_LEN + MATERIAL_ID_LEN).toString("hex");
  const iv = b.subarray(1 + KEY_ID_LEN + MATERIAL_ID_LEN, HSM_HEADER_LEN);
  return { format: FORMAT_HSM_V1, keyId, materialId, header: b.subarray(0, HSM_HEADER_LEN), iv, ciphertextAndTag: b.subarray(HSM_HEADER_LEN) };
}

/**
 * Ciphertext of a KMS key in an external key store (format 0x03), AWS's double encryption: the
 * plaintext is first sealed under the KMS key's own material as a format-0x01 blob (which binds
 * the key, the material and the encryption context), and that inner blob is then encrypted by the
 * external key at the XKS proxy (AES-GCM), with the first 49 bytes below as its AAD.
 *
 *   offset  size  field
 *   0       1     format (0x03)
 *   1       16    KMS key id (UUID bytes)
 *   17      32    key material id of the inner blob
 *   49      1     IV length v (1..32), then v bytes of the proxy's IV
 *   .       1     tag length t (1..32), then t bytes of the proxy's authentication tag
 *   .       1     ciphertextMetadata length m (0..20), then m bytes of it
 *   .       n     the proxy's ciphertext of the inner blob
 */
export const FORMAT_XKS_V1 = 0x03;
export const XKS_HEADER_LEN = 1 + KEY_ID_LEN + MATERIAL_ID_LEN;

export interface XksBlob {
  readonly format: typeof FORMAT_XKS_V1;
  readonly keyId: string;
  readonly materialId: string;
  /** Bytes 0..48: the AAD given to the proxy. */
  readonly header: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly metadata: Buffer;
  readonly ciphertext: Buffer;
}

export function buildXksHeader(keyId: string, materialId: string): Buffer {
  const hex = keyId.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new RangeError("not a UUID");
  if (!HEX64.test(materialId)) throw new RangeError("material id must be 32 bytes");
  const header = Buffer.allocUnsafe(XKS_HEADER_LEN);
  header[0] = FORMAT_XKS_V1;
  header.write(hex, 1, KEY_ID_LEN, "hex");
  header.write(materialId, 1 + KEY_ID_LEN, MATERIAL_ID_LEN, "hex");
  return header;
}

/** Undefined when a part is out of the format's bounds. */
export function assembleXksBlob(header: Buffer, iv: Buffer, tag: Buffer, metadata: Buffer, ciphertext: Buffer): Buffer | undefined {
  if (iv.length < 1 || iv.length > 32 || tag.length < 1 || tag.length > 32 || metadata.length > 20) return undefined;
  return Buffer.concat([header, Buffer.of(iv.length), iv, Buffer.of(tag.length), tag, Buffer.of(metadata.length), metadata, ciphertext]);
}

/** Parses a format-0x03 blob's framing; undefined for anything else. */
export function parseXksBlob(blob: Uint8Array): XksBlob | undefined {
  if (blob.length < XKS_HEADER_LEN + 3 || blob[0] !== FORMAT_XKS_V1) return undefined;
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  let off = XKS_HEADER_LEN;
  const part = (max: number, min: number): Buffer | undefined => {
    const len = b[off];
    if (len === undefined || len < min || len > max || off + 1 + len > b.length) return undefined;
    const out = b.subarray(off + 1, off + 1 + len);
    off += 1 + len;
    return out;
  };
  const iv = part(32, 1);
  const tag = iv === undefined ? undefined : part(32, 1);
  const metadata = tag === undefined ? undefined : part(20, 0);
  if (iv === undefined || tag === undefined || metadata === undefined) return undefined;
  return {
    format: FORMAT_XKS_V1,
    keyId: bytesToUuid(b.subarray(1, 1 + KEY_ID_LEN)),
    materialId: b.subarray(1 + KEY_ID_LEN, XKS_HEADER_LEN).toString("hex"),
    header: b.subarray(0, XKS_HEADER_LEN),
    iv,
    tag,
    metadata,
    ciphertext: b.subarray(off),
  };
}

/** The KMS key id any symmetric blob of Trent's (format 0x01, 0x02 or 0x03) names, or undefined. */
export function keyIdOfSymmetricBlob(blob: Uint8Array): string | undefined {
  if (blob[0] === FORMAT_XKS_V1 && blob.length >= XKS_HEADER_LEN + 3) return bytesToUuid(Buffer.from(blob.buffer, blob.byteOffset + 1, KEY_ID_LEN));
  if (blob[0] === FORMAT_SYMMETRIC_V1 && blob.length >= BLOB_OVERHEAD) return bytesToUuid(Buffer.from(blob.buffer, blob.byteOffset + 1, KEY_ID_LEN));
  if (blob[0] === FORMAT_HSM_V1 && blob.length >= HSM_BLOB_OVERHEAD) return bytesToUuid(Buffer.from(blob.buffer, blob.byteOffset + 1, KEY_ID_LEN));
  return undefined;
}
