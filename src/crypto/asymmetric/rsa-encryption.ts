/**
 * RSA encryption keys: RSAES_OAEP_SHA_1 and RSAES_OAEP_SHA_256 (RFC 8017 §7.1), with the same
 * hash for OAEP and MGF1 and an empty label, as AWS documents. (OpenSSL uses the OAEP digest for
 * MGF1 when no MGF1 digest is set; the tests check interop with `openssl pkeyutl -pkeyopt
 * rsa_oaep_md:... -pkeyopt rsa_mgf1_md:...`.)
 *
 * Maximum plaintext = k - 2·hLen - 2 bytes: RSA_2048 214/190, RSA_3072 342/318, RSA_4096 470/446.
 */
import { constants, privateDecrypt, publicEncrypt } from "node:crypto";
import { SecretBytes } from "../secret-bytes.js";
import { AsymmetricCryptoError, algorithmError } from "./errors.js";
import { privateKeyObject, publicKeyObject } from "./key-objects.js";
import { HASH_LENGTH, RSA_BITS, isRsaSpec, type RsaEncryptionAlgorithm, type RsaKeySpec } from "./specs.js";

const OAEP_HASH: Readonly<Record<RsaEncryptionAlgorithm, "sha1" | "sha256">> = {
  RSAES_OAEP_SHA_1: "sha1",
  RSAES_OAEP_SHA_256: "sha256",
};

function checkAlgorithm(spec: string, algorithm: string): asserts algorithm is RsaEncryptionAlgorithm {
  if (!isRsaSpec(spec) || (algorithm !== "RSAES_OAEP_SHA_1" && algorithm !== "RSAES_OAEP_SHA_256")) {
    throw algorithmError(algorithm, spec);
  }
}

/** The largest plaintext (bytes) `algorithm` can encrypt under a key of `spec`. */
export function maxRsaPlaintext(spec: RsaKeySpec, algorithm: RsaEncryptionAlgorithm): number {
  return RSA_BITS[spec] / 8 - 2 * HASH_LENGTH[OAEP_HASH[algorithm]] - 2;
}

export function rsaEncrypt(
  spec: RsaKeySpec,
  algorithm: RsaEncryptionAlgorithm,
  plaintext: SecretBytes,
  publicKey: Buffer,
): Buffer {
  checkAlgorithm(spec, algorithm);
  if (plaintext.length > maxRsaPlaintext(spec, algorithm)) {
    throw new AsymmetricCryptoError("PLAINTEXT_TOO_LONG", `Plaintext is too long for algorithm ${algorithm} and key spec ${spec}.`);
  }
  return publicEncrypt(
    { key: publicKeyObject(spec, publicKey), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[algorithm] },
    plaintext.expose(),
  );
}

/** Decrypts; any failure (wrong length, wrong key, wrong algorithm, tampering) is one DECRYPTION_FAILED. */
export function rsaDecrypt(
  spec: RsaKeySpec,
  algorithm: RsaEncryptionAlgorithm,
  ciphertext: Uint8Array,
  privateKey: SecretBytes,
): SecretBytes {
  checkAlgorithm(spec, algorithm);
  const key = privateKeyObject(spec, privateKey);
  if (ciphertext.length !== RSA_BITS[spec] / 8) {
    throw new AsymmetricCryptoError("DECRYPTION_FAILED", "The ciphertext is invalid.");
  }
  try {
    return SecretBytes.adopt(
      privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[algorithm] }, ciphertext),
    );
  } catch {
    throw new AsymmetricCryptoError("DECRYPTION_FAILED", "The ciphertext is invalid.");
  }
}
