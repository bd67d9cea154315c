/**
 * Ed25519 keys (key spec ECC_NIST_EDWARDS25519) as AWS KMS uses them:
 * - ED25519_SHA_512 with MessageType RAW: PureEdDSA Ed25519 (RFC 8032 §5.1) over the message.
 *   node:crypto does it.
 * - ED25519_PH_SHA_512 with MessageType DIGEST: HashEdDSA Ed25519ph (RFC 8032 §5.1, empty
 *   context) where the 64-byte value the caller sends is the *message* M: AWS documents that KMS
 *   "still performs the SHA-512 prehash described in Step 1 of Section 7.8.1 in FIPS 186-5. This
 *   means the input is hashed twice: once by you and once by KMS." So the signature is
 *   Ed25519ph(M = the caller's digest), which an offline verifier checks as Ed25519ph over those
 *   64 bytes. node:crypto (OpenSSL 3.0) has no Ed25519ph: @noble/curves `ed25519ph`.
 * Verification is strict RFC 8032 (`zip215: false`), as OpenSSL's is.
 */
import { sign as nodeSign, verify as nodeVerify, type KeyObject } from "node:crypto";
import { ed25519ph } from "@noble/curves/ed25519.js";
import type { SecretBytes } from "../secret-bytes.js";
import { DerError } from "./der.js";
import { keyMaterialError } from "./errors.js";
import { ed25519PublicKey, ed25519Seed } from "./key-material.js";

export function ed25519SignRaw(message: Uint8Array, privateKey: KeyObject): Buffer {
  return nodeSign(null, message, privateKey);
}

export function ed25519VerifyRaw(message: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  if (signature.length !== 64) return false;
  try {
    return nodeVerify(null, message, publicKey, signature);
  } catch {
    return false;
  }
}

/** Ed25519ph over the caller's 64-byte SHA-512 digest (hashed again, as AWS does). */
export function ed25519phSign(digest: Uint8Array, privateKey: SecretBytes): Buffer {
  const seed = ed25519Seed(privateKey.expose());
  try {
    const sig = ed25519ph.sign(digest, seed);
    return Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength);
  } finally {
    seed.fill(0);
  }
}

export function ed25519phVerify(digest: Uint8Array, signature: Uint8Array, publicKey: Buffer): boolean {
  let pk: Buffer;
  try {
    pk = ed25519PublicKey(publicKey);
  } catch (e) {
    if (e instanceof DerError) throw keyMaterialError("ECC_NIST_EDWARDS25519");
    throw e;
  }
  if (signature.length !== 64) return false;
  try {
    return ed25519ph.verify(signature, digest, pk, { zip215: false });
  } catch {
    return false;
  }
}
