/**
 * Verify, as AWS KMS does it, against the key's DER SubjectPublicKeyInfo. Invalid input (an
 * algorithm the key spec does not support, a wrong message type or digest length) throws
 * AsymmetricCryptoError like Sign does; a signature that does not verify, including a malformed
 * one, returns false (the caller answers KMSInvalidSignatureException).
 *
 * A signature made with RAW verifies with DIGEST of the same message and the other way round,
 * as on AWS.
 */
import { constants, verify as nodeVerify } from "node:crypto";
import { ecdsaVerifyDigest } from "./ecdsa-digest.js";
import { ed25519VerifyRaw, ed25519phVerify } from "./ed25519.js";
import { publicKeyObject } from "./key-objects.js";
import { mlDsaVerify } from "./ml-dsa.js";
import { rsaPkcs1VerifyDigest, rsaPssVerifyDigest } from "./rsa-digest.js";
import { checkSigningInput } from "./signing-input.js";
import { sm2Digest, sm2VerifyDigest } from "./sm2.js";
import {
  ALGORITHM_INFO,
  HASH_LENGTH,
  isEcdsaSpec,
  isMlDsaSpec,
  type AsymmetricKeySpec,
  type MessageType,
  type SigningAlgorithm,
} from "./specs.js";

function nodeVerifySafe(
  hash: string | null,
  message: Uint8Array,
  key: Parameters<typeof nodeVerify>[2],
  signature: Uint8Array,
): boolean {
  try {
    return nodeVerify(hash, message, key, signature);
  } catch {
    return false;
  }
}

export function verify(
  spec: AsymmetricKeySpec,
  algorithm: SigningAlgorithm,
  messageType: MessageType,
  message: Uint8Array,
  signature: Uint8Array,
  publicKey: Buffer,
): boolean {
  checkSigningInput(spec, algorithm, messageType, message);

  if (isMlDsaSpec(spec)) {
    return mlDsaVerify(spec, messageType === "RAW" ? "RAW" : "EXTERNAL_MU", message, signature, publicKey);
  }
  if (spec === "SM2") {
    const digest = messageType === "RAW" ? sm2Digest(publicKey, message) : message;
    return sm2VerifyDigest(digest, signature, publicKey);
  }
  if (spec === "ECC_NIST_EDWARDS25519") {
    if (algorithm === "ED25519_PH_SHA_512") return ed25519phVerify(message, signature, publicKey);
    return ed25519VerifyRaw(message, signature, publicKeyObject(spec, publicKey));
  }

  const hash = ALGORITHM_INFO[algorithm].hash;
  if (hash !== "sha256" && hash !== "sha384" && hash !== "sha512") throw new Error(`${algorithm} is not a SHA-2 algorithm`);
  if (isEcdsaSpec(spec)) {
    if (messageType === "DIGEST") return ecdsaVerifyDigest(spec, message, signature, publicKey);
    return nodeVerifySafe(hash, message, { key: publicKeyObject(spec, publicKey), dsaEncoding: "der" }, signature);
  }

  const key = publicKeyObject(spec, publicKey);
  const pss = algorithm.startsWith("RSASSA_PSS_");
  if (messageType === "DIGEST") {
    return pss ? rsaPssVerifyDigest(hash, message, signature, key) : rsaPkcs1VerifyDigest(hash, message, signature, key);
  }
  if (pss) {
    return nodeVerifySafe(
      hash,
      message,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[hash] },
      signature,
    );
  }
  return nodeVerifySafe(hash, message, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
}
