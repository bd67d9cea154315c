import { KmsError } from "../../domain/errors.js";
import type { KeyRecord } from "../../domain/key-record.js";
import { algorithmsFor } from "../../domain/key-spec.js";

/**
 * AWS's answer to an algorithm the key spec does not support, in the words AWS uses for
 * encryption, signing and MAC algorithms alike (recorded: "Algorithm SYMMETRIC_DEFAULT is
 * incompatible with key spec RSA_4096." from Encrypt, "Algorithm HMAC_SHA_256 is incompatible
 * with key spec HMAC_224." from GenerateMac).
 */
export function incompatibleAlgorithm(algorithm: string, keySpec: string): KmsError {
  return new KmsError("InvalidKeyUsageException", `Algorithm ${algorithm} is incompatible with key spec ${keySpec}.`);
}

/** The encryption algorithm a call uses with this key: the requested one, SYMMETRIC_DEFAULT by default. */
export function encryptionAlgorithmFor(key: KeyRecord, requested: string | undefined): string {
  const allowed = algorithmsFor(key.keySpec, key.keyUsage).EncryptionAlgorithms ?? [];
  const alg = requested ?? "SYMMETRIC_DEFAULT";
  if (!allowed.includes(alg)) throw incompatibleAlgorithm(alg, key.keySpec);
  return alg;
}

/** The MAC algorithm of a GenerateMac/VerifyMac call: the one the HMAC key spec supports. */
export function macAlgorithmFor(key: KeyRecord, requested: string): string {
  const allowed = algorithmsFor(key.keySpec, key.keyUsage).MacAlgorithms ?? [];
  if (!allowed.includes(requested)) throw incompatibleAlgorithm(requested, key.keySpec);
  return requested;
}
