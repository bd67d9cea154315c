/**
 * Encrypt/Decrypt with asymmetric KMS keys: RSAES_OAEP_SHA_1/256 for RSA key specs, SM2PKE for
 * SM2. One entry point so the operation layer does not branch on the key spec.
 */
import type { SecretBytes } from "../secret-bytes.js";
import { algorithmError } from "./errors.js";
import { rsaDecrypt, rsaEncrypt } from "./rsa-encryption.js";
import { sm2Decrypt, sm2Encrypt } from "./sm2.js";
import { isRsaSpec, type AsymmetricKeySpec } from "./specs.js";

export type AsymmetricEncryptionAlgorithm = "RSAES_OAEP_SHA_1" | "RSAES_OAEP_SHA_256" | "SM2PKE";

export function asymmetricEncrypt(
  spec: AsymmetricKeySpec,
  algorithm: AsymmetricEncryptionAlgorithm,
  plaintext: SecretBytes,
  publicKey: Buffer,
): Buffer {
  if (spec === "SM2" && algorithm === "SM2PKE") return sm2Encrypt(plaintext, publicKey);
  if (isRsaSpec(spec) && algorithm !== "SM2PKE") return rsaEncrypt(spec, algorithm, plaintext, publicKey);
  throw algorithmError(algorithm, spec);
}

export function asymmetricDecrypt(
  spec: AsymmetricKeySpec,
  algorithm: AsymmetricEncryptionAlgorithm,
  ciphertext: Uint8Array,
  privateKey: SecretBytes,
): SecretBytes {
  if (spec === "SM2" && algorithm === "SM2PKE") return sm2Decrypt(ciphertext, privateKey);
  if (isRsaSpec(spec) && algorithm !== "SM2PKE") return rsaDecrypt(spec, algorithm, ciphertext, privateKey);
  throw algorithmError(algorithm, spec);
}
