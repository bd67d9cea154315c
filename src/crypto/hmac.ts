/**
 * HMAC KMS keys (RFC 2104): key specs HMAC_224/256/384/512 with MAC algorithms
 * HMAC_SHA_224/256/384/512. AWS: "The length of the key determines the MAC algorithm", so a
 * generated key is as long as the key spec says: 28, 32, 48 or 64 bytes.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { SecretBytes } from "./secret-bytes.js";

export type HmacKeySpec = "HMAC_224" | "HMAC_256" | "HMAC_384" | "HMAC_512";
export type MacAlgorithm = "HMAC_SHA_224" | "HMAC_SHA_256" | "HMAC_SHA_384" | "HMAC_SHA_512";

export const HMAC_KEY_LENGTH: Readonly<Record<HmacKeySpec, number>> = {
  HMAC_224: 28,
  HMAC_256: 32,
  HMAC_384: 48,
  HMAC_512: 64,
};

/** The one MAC algorithm each HMAC key spec supports. */
export const MAC_ALGORITHM: Readonly<Record<HmacKeySpec, MacAlgorithm>> = {
  HMAC_224: "HMAC_SHA_224",
  HMAC_256: "HMAC_SHA_256",
  HMAC_384: "HMAC_SHA_384",
  HMAC_512: "HMAC_SHA_512",
};

const HASH: Readonly<Record<MacAlgorithm, string>> = {
  HMAC_SHA_224: "sha224",
  HMAC_SHA_256: "sha256",
  HMAC_SHA_384: "sha384",
  HMAC_SHA_512: "sha512",
};

/** Tag length in bytes (the hash's output length). */
export const MAC_LENGTH: Readonly<Record<MacAlgorithm, number>> = {
  HMAC_SHA_224: 28,
  HMAC_SHA_256: 32,
  HMAC_SHA_384: 48,
  HMAC_SHA_512: 64,
};

export function generateHmacKey(spec: HmacKeySpec, random: (n: number) => Buffer = randomBytes): SecretBytes {
  return SecretBytes.adopt(random(HMAC_KEY_LENGTH[spec]));
}

/** GenerateMac: the HMAC tag of `message`. */
export function generateMac(algorithm: MacAlgorithm, key: SecretBytes, message: Uint8Array): Buffer {
  return createHmac(HASH[algorithm], key.expose()).update(message).digest();
}

/** VerifyMac: true when `mac` is the tag of `message`; compared in constant time. */
export function verifyMac(algorithm: MacAlgorithm, key: SecretBytes, message: Uint8Array, mac: Uint8Array): boolean {
  const expected = generateMac(algorithm, key, message);
  try {
    // A wrong length is not secret; equal lengths are compared without an early exit.
    return mac.length === expected.length && timingSafeEqual(expected, mac);
  } finally {
    expected.fill(0);
  }
}
