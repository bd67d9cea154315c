import {
  AsymmetricCryptoError,
  SM2PKE_MAX_PLAINTEXT,
  asymmetricDecrypt,
  asymmetricEncrypt,
  maxRsaPlaintext,
  type AsymmetricEncryptionAlgorithm,
  type AsymmetricKeySpec,
  type RsaEncryptionAlgorithm,
  type RsaKeySpec,
} from "../../crypto/asymmetric/index.js";
import type { EncryptionContext } from "../../crypto/encryption-context.js";
import type { SecretBytes } from "../../crypto/secret-bytes.js";
import { ERROR_STATUS, KmsError, type KmsErrorCode } from "../../domain/errors.js";
import type { KeyRecord } from "../../domain/key-record.js";
import { isAsymmetricKeySpec } from "../../domain/key-spec.js";
import type { OpContext } from "../context.js";
import { invalidCiphertext } from "./symmetric.js";

/**
 * The operation layer's side of the asymmetric crypto layer: typed key specs, AWS's checks that
 * come before any crypto, and the mapping of AsymmetricCryptoError to the KMS error it suggests.
 */

/** The key's spec as the crypto layer types it; an internal error for a symmetric or HMAC key (a bug). */
export function asymmetricSpec(key: KeyRecord): AsymmetricKeySpec {
  if (!isAsymmetricKeySpec(key.keySpec)) throw new Error(`${key.keySpec} is not an asymmetric key spec`);
  return key.keySpec as AsymmetricKeySpec;
}

/**
 * The KmsError for a failure of the crypto layer: the code it suggests, its message (which never
 * quotes key material, plaintext or signatures). A failed decryption is the one generic
 * InvalidCiphertextException; unusable stored material is an internal error. Other errors pass.
 */
export function cryptoFailure(e: unknown): unknown {
  if (!(e instanceof AsymmetricCryptoError)) return e;
  if (e.reason === "DECRYPTION_FAILED") return invalidCiphertext();
  if (e.reason === "INVALID_KEY_MATERIAL") return new KmsError("KMSInternalException", "The key material could not be used.");
  const code = Object.hasOwn(ERROR_STATUS, e.awsCode) ? (e.awsCode as KmsErrorCode) : "KMSInternalException";
  return new KmsError(code, e.message);
}

/** Runs a crypto-layer call with its failures mapped by `cryptoFailure`. */
export function withCryptoErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw cryptoFailure(e);
  }
}

/** AWS: an encryption context is supported only with symmetric encryption KMS keys. */
export function rejectEncryptionContext(ec: EncryptionContext | undefined): void {
  if (ec !== undefined && Object.keys(ec).length > 0) {
    throw new KmsError(
      "ValidationException",
      "EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs.",
    );
  }
}

/** AWS's plaintext limit per key spec and algorithm (RSA: k - 2·hLen - 2; SM2PKE: 1024 bytes). */
export function checkAsymmetricPlaintext(key: KeyRecord, algorithm: AsymmetricEncryptionAlgorithm, length: number): void {
  const max =
    algorithm === "SM2PKE"
      ? SM2PKE_MAX_PLAINTEXT
      : maxRsaPlaintext(key.keySpec as RsaKeySpec, algorithm as RsaEncryptionAlgorithm);
  if (length > max) {
    throw new KmsError(
      "ValidationException",
      `Algorithm ${algorithm} and key spec ${key.keySpec} cannot encrypt data larger than ${max} bytes.`,
    );
  }
}

/** Encrypts with the key's public key: plain RSA-OAEP (or SM2PKE), as anyone holding it could. */
export async function encryptWithPublicKey(
  ctx: OpContext,
  key: KeyRecord,
  algorithm: AsymmetricEncryptionAlgorithm,
  plaintext: SecretBytes,
): Promise<Buffer> {
  const publicKey = await ctx.materials.publicKey(key);
  return withCryptoErrors(() => asymmetricEncrypt(asymmetricSpec(key), algorithm, plaintext, publicKey));
}

/** Decrypts with the key's private key; every failure is the one generic InvalidCiphertextException. */
export async function decryptWithPrivateKey(
  ctx: OpContext,
  key: KeyRecord,
  algorithm: AsymmetricEncryptionAlgorithm,
  ciphertext: Uint8Array,
): Promise<SecretBytes> {
  const { secret } = await ctx.materials.current(key);
  try {
    return asymmetricDecrypt(asymmetricSpec(key), algorithm, ciphertext, secret);
  } catch (e) {
    if (e instanceof AsymmetricCryptoError && e.reason !== "INVALID_KEY_MATERIAL") throw invalidCiphertext();
    throw cryptoFailure(e);
  }
}

/**
 * The bytes of a message to sign, verify or MAC. The wire decoder holds Message in SecretBytes
 * (the model marks it sensitive); the crypto layer takes bytes. This is the one place the
 * operation layer exposes them.
 */
export function messageBytes(message: SecretBytes): Buffer {
  return message.expose();
}
