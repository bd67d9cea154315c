/**
 * ECDSA over a precomputed digest (KMS MessageType DIGEST), which node:crypto cannot do: the
 * arithmetic is @noble/curves with `prehash: false` and DER signatures, as AWS returns them.
 *
 * S is not normalised (`lowS: false`): AWS KMS returns high-S signatures about half of the time
 * (the reason Ethereum clients normalise KMS signatures themselves), and OpenSSL accepts both
 * halves. Verification accepts both halves for the same reason. k is RFC 6979 hedged with fresh
 * randomness (`extraEntropy: true`), so signatures are not deterministic, like AWS's.
 */
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { SecretBytes } from "../secret-bytes.js";
import { DerError } from "./der.js";
import { keyMaterialError } from "./errors.js";
import { ecPrivateScalar, ecPublicPoint } from "./key-material.js";
import type { EcdsaKeySpec } from "./specs.js";

const CURVES = {
  ECC_NIST_P256: p256,
  ECC_NIST_P384: p384,
  ECC_NIST_P521: p521,
  ECC_SECG_P256K1: secp256k1,
} as const;

export function ecdsaSignDigest(spec: EcdsaKeySpec, digest: Uint8Array, privateKey: SecretBytes): Buffer {
  const d = ecPrivateScalar(spec, privateKey.expose());
  try {
    const sig = CURVES[spec].sign(digest, d, { prehash: false, lowS: false, format: "der", extraEntropy: true });
    return Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength);
  } catch {
    // noble rejects a scalar out of range: the stored key is not a key of this curve.
    throw keyMaterialError(spec);
  } finally {
    d.fill(0);
  }
}

export function ecdsaVerifyDigest(spec: EcdsaKeySpec, digest: Uint8Array, signature: Uint8Array, publicKey: Buffer): boolean {
  let point: Buffer;
  try {
    point = ecPublicPoint(spec, publicKey);
  } catch (e) {
    if (e instanceof DerError) throw keyMaterialError(spec);
    throw e;
  }
  try {
    return CURVES[spec].verify(signature, digest, point, { prehash: false, lowS: false, format: "der" });
  } catch {
    return false;
  }
}
