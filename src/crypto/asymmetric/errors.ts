/**
 * Typed failures of the asymmetric crypto layer. The operation layer maps `reason` to the KMS
 * error it answers with; `awsCode` and `message` are the mapping this layer suggests (AWS's
 * wording where it is known). Messages never quote key material, plaintext or signatures.
 */
export type AsymmetricErrorReason =
  /** The algorithm is not one the key spec supports (AWS: InvalidKeyUsageException). */
  | "ALGORITHM_INCOMPATIBLE"
  /** The message type cannot be used with this algorithm, e.g. ED25519_SHA_512 with DIGEST. */
  | "MESSAGE_TYPE_INCOMPATIBLE"
  /** A DIGEST/EXTERNAL_MU message whose length is not the algorithm's digest length. */
  | "DIGEST_LENGTH"
  /** A RAW message longer than 4096 bytes. */
  | "MESSAGE_TOO_LONG"
  /** RSA-OAEP plaintext longer than the key spec and algorithm allow. */
  | "PLAINTEXT_TOO_LONG"
  /** A ciphertext that does not decrypt (AWS: InvalidCiphertextException, no detail). */
  | "DECRYPTION_FAILED"
  /** DeriveSharedSecret: the peer public key is not a DER SubjectPublicKeyInfo of an EC key. */
  | "INVALID_PEER_PUBLIC_KEY"
  /** DeriveSharedSecret: the peer public key is on another curve than the KMS key. */
  | "PEER_KEY_CURVE_MISMATCH"
  /** The stored key material does not fit its key spec (a bug or corruption: internal error). */
  | "INVALID_KEY_MATERIAL"
  /** Something this layer does not implement (e.g. SM2 when unavailable). */
  | "UNSUPPORTED";

const AWS_CODE: Readonly<Record<AsymmetricErrorReason, string>> = {
  ALGORITHM_INCOMPATIBLE: "InvalidKeyUsageException",
  MESSAGE_TYPE_INCOMPATIBLE: "ValidationException",
  DIGEST_LENGTH: "ValidationException",
  MESSAGE_TOO_LONG: "ValidationException",
  PLAINTEXT_TOO_LONG: "ValidationException",
  DECRYPTION_FAILED: "InvalidCiphertextException",
  INVALID_PEER_PUBLIC_KEY: "ValidationException",
  PEER_KEY_CURVE_MISMATCH: "ValidationException",
  INVALID_KEY_MATERIAL: "KMSInternalException",
  UNSUPPORTED: "UnsupportedOperationException",
};

export class AsymmetricCryptoError extends Error {
  override readonly name = "AsymmetricCryptoError";
  readonly reason: AsymmetricErrorReason;
  /** The KMS error shape this layer suggests for the reason. */
  readonly awsCode: string;

  constructor(reason: AsymmetricErrorReason, message: string) {
    super(message);
    this.reason = reason;
    this.awsCode = AWS_CODE[reason];
  }
}

/** AWS's message for a DIGEST whose length does not match the algorithm's hash. */
export function digestLengthError(algorithm: string): AsymmetricCryptoError {
  return new AsymmetricCryptoError("DIGEST_LENGTH", `Digest is invalid length for algorithm ${algorithm}.`);
}

export function messageTypeError(messageType: string, algorithm: string): AsymmetricCryptoError {
  return new AsymmetricCryptoError(
    "MESSAGE_TYPE_INCOMPATIBLE",
    `Message type ${messageType} is incompatible with algorithm ${algorithm}.`,
  );
}

export function algorithmError(algorithm: string, keySpec: string): AsymmetricCryptoError {
  return new AsymmetricCryptoError(
    "ALGORITHM_INCOMPATIBLE",
    `Algorithm ${algorithm} is incompatible with key spec ${keySpec}.`,
  );
}

export function keyMaterialError(keySpec: string): AsymmetricCryptoError {
  return new AsymmetricCryptoError("INVALID_KEY_MATERIAL", `Key material does not match key spec ${keySpec}.`);
}
