/**
 * The import token of GetParametersForImport: self-contained, so Trent stores nothing per call.
 * It carries the wrapping private key, wrapped under the root with the token's header as the
 * binding (AAD): a token that was made up, edited, or meant for another key does not unwrap.
 *
 *   offset  size  field
 *   0       4     magic "TIMP"
 *   4       1     format version (1)
 *   5       1     wrapping algorithm code (1..5, below; no valid zero)
 *   6       1     wrapping key spec code (1..4)
 *   7       8     ParametersValidTo, epoch ms, unsigned big-endian
 *   15      1     n = length of the KMS key id
 *   16      n     KMS key id (UTF-8)
 *   -- header ends (the binding); then:
 *           1     r = length of the root version id
 *           r     root version id (UTF-8)
 *           ...   wrapped wrapping private key (the keystore's blob)
 */
import type { WrappedKey } from "../keystore/keystore.js";

export const WRAPPING_ALGORITHMS = [
  "RSAES_OAEP_SHA_1",
  "RSAES_OAEP_SHA_256",
  "RSA_AES_KEY_WRAP_SHA_1",
  "RSA_AES_KEY_WRAP_SHA_256",
  "SM2PKE",
] as const;
export const WRAPPING_KEY_SPECS = ["RSA_2048", "RSA_3072", "RSA_4096", "SM2"] as const;

export type TokenWrappingAlgorithm = (typeof WRAPPING_ALGORITHMS)[number];
export type TokenWrappingKeySpec = (typeof WRAPPING_KEY_SPECS)[number];

export interface ImportTokenFields {
  readonly keyId: string;
  readonly wrappingAlgorithm: TokenWrappingAlgorithm;
  readonly wrappingKeySpec: TokenWrappingKeySpec;
  /** Epoch milliseconds. */
  readonly validTo: number;
}

export interface ParsedImportToken extends ImportTokenFields {
  /** The binding the wrapped private key was wrapped with. */
  readonly binding: Buffer;
  readonly wrapped: WrappedKey;
}

const MAGIC = Buffer.from("TIMP", "ascii");
const VERSION = 1;
const BINDING_PREFIX = Buffer.from("trent/import-token/v1\0", "utf8");

function header(f: ImportTokenFields): Buffer {
  const alg = WRAPPING_ALGORITHMS.indexOf(f.wrappingAlgorithm) + 1;
  const spec = WRAPPING_KEY_SPECS.indexOf(f.wrappingKeySpec) + 1;
  const keyId = Buffer.from(f.keyId, "utf8");
  if (alg === 0 || spec === 0 || keyId.length === 0 || keyId.length > 255) throw new RangeError("import token fields out of range");
  if (!Number.isSafeInteger(f.validTo) || f.validTo < 0) throw new RangeError("import token validTo out of range");
  const h = Buffer.alloc(16 + keyId.length);
  MAGIC.copy(h, 0);
  h[4] = VERSION;
  h[5] = alg;
  h[6] = spec;
  h.writeBigUInt64BE(BigInt(f.validTo), 7);
  h[15] = keyId.length;
  keyId.copy(h, 16);
  return h;
}

/** The binding to wrap a token's private key with: it authenticates every header field. */
export function importTokenBinding(f: ImportTokenFields): Buffer {
  return Buffer.concat([BINDING_PREFIX, header(f)]);
}

export function encodeImportToken(f: ImportTokenFields, wrapped: WrappedKey): Buffer {
  const root = Buffer.from(wrapped.rootVersion, "utf8");
  if (root.length > 255) throw new RangeError("root version id too long");
  return Buffer.concat([header(f), Buffer.of(root.length), root, wrapped.blob]);
}

/** The fields of a token, or undefined when it is not one of Trent's (its authenticity is checked on unwrap). */
export function parseImportToken(bytes: Uint8Array): ParsedImportToken | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 17 || !b.subarray(0, 4).equals(MAGIC) || b[4] !== VERSION) return undefined;
  const wrappingAlgorithm = WRAPPING_ALGORITHMS[(b[5] ?? 0) - 1];
  const wrappingKeySpec = WRAPPING_KEY_SPECS[(b[6] ?? 0) - 1];
  const keyIdLen = b[15] ?? 0;
  const headerEnd = 16 + keyIdLen;
  if (wrappingAlgorithm === undefined || wrappingKeySpec === undefined || keyIdLen === 0 || b.length < headerEnd + 1) return undefined;
  const validTo = b.readBigUInt64BE(7);
  if (validTo > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  const rootLen = b[headerEnd] ?? 0;
  const blobStart = headerEnd + 1 + rootLen;
  if (rootLen === 0 || b.length <= blobStart) return undefined;
  return {
    keyId: b.subarray(16, headerEnd).toString("utf8"),
    wrappingAlgorithm,
    wrappingKeySpec,
    validTo: Number(validTo),
    binding: Buffer.concat([BINDING_PREFIX, b.subarray(0, headerEnd)]),
    wrapped: { rootVersion: b.subarray(headerEnd + 1, blobStart).toString("utf8"), blob: Buffer.from(b.subarray(blobStart)) },
  };
}
