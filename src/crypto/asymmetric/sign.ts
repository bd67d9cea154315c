/**
 * Sign, as AWS KMS does it, for every signing algorithm of every asymmetric key spec.
 *
 * RAW messages are hashed and signed by node:crypto where it can (RSA, ECDSA, Ed25519). DIGEST
 * messages are signed exactly, without a second hash: RSA through rsa-digest.ts, ECDSA through
 * @noble/curves (ecdsa-digest.ts). Ed25519ph, ML-DSA and SM2 have their own modules.
 * Signatures: RSA as the k-byte integer, ECDSA and SM2DSA DER-encoded, Ed25519 64 bytes,
 * ML-DSA the FIPS 204 encoding (2420/3309/4627 bytes).
 */
import { constants, createHash, sign as nodeSign } from "node:crypto";
import type { SecretBytes } from "../secret-bytes.js";
import { ecdsaSignDigest } from "./ecdsa-digest.js";
import { ed25519SignRaw, ed25519phSign } from "./ed25519.js";
import { privateKeyObject } from "./key-objects.js";
import { mlDsaSign } from "./ml-dsa.js";
import { publicKeyFromPrivate } from "./public-key.js";
import { rsaPkcs1SignDigest, rsaPssSignDigest } from "./rsa-digest.js";
import { checkSigningInput } from "./signing-input.js";
import { sm2Digest, sm2SignDigest } from "./sm2.js";
import {
  ALGORITHM_INFO,
  HASH_LENGTH,
  isEcdsaSpec,
  isMlDsaSpec,
  type AsymmetricKeySpec,
  type MessageType,
  type SigningAlgorithm,
} from "./specs.js";

type ShaHash = "sha256" | "sha384" | "sha512";

function shaOf(algorithm: SigningAlgorithm): ShaHash {
  const h = ALGORITHM_INFO[algorithm].hash;
  if (h !== "sha256" && h !== "sha384" && h !== "sha512") throw new Error(`${algorithm} is not a SHA-2 algorithm`);
  return h;
}

/**
 * Signs `message` (RAW), a precomputed digest (DIGEST) or an ML-DSA mu (EXTERNAL_MU) with a
 * stored PKCS#8 private key. Throws AsymmetricCryptoError for an algorithm the key spec does not
 * support, a message type the algorithm does not take, or a digest of the wrong length.
 */
export function sign(
  spec: AsymmetricKeySpec,
  algorithm: SigningAlgorithm,
  messageType: MessageType,
  message: Uint8Array,
  privateKey: SecretBytes,
): Buffer {
  checkSigningInput(spec, algorithm, messageType, message);

  if (isMlDsaSpec(spec)) return mlDsaSign(spec, messageType === "RAW" ? "RAW" : "EXTERNAL_MU", message, privateKey);
  if (spec === "SM2") {
    const digest = messageType === "RAW" ? sm2Digest(publicKeyFromPrivate(spec, privateKey), message) : message;
    return sm2SignDigest(digest, privateKey);
  }
  if (spec === "ECC_NIST_EDWARDS25519") {
    if (algorithm === "ED25519_PH_SHA_512") return ed25519phSign(message, privateKey);
    return ed25519SignRaw(message, privateKeyObject(spec, privateKey));
  }

  const hash = shaOf(algorithm);
  if (isEcdsaSpec(spec)) {
    if (messageType === "DIGEST") return ecdsaSignDigest(spec, message, privateKey);
    return nodeSign(hash, message, { key: privateKeyObject(spec, privateKey), dsaEncoding: "der" });
  }

  // RSA
  const key = privateKeyObject(spec, privateKey);
  const pss = algorithm.startsWith("RSASSA_PSS_");
  if (messageType === "DIGEST") {
    return pss ? rsaPssSignDigest(hash, message, key) : rsaPkcs1SignDigest(hash, message, key);
  }
  if (pss) {
    return nodeSign(hash, message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[hash] });
  }
  return nodeSign(hash, message, { key, padding: constants.RSA_PKCS1_PADDING });
}

/** The digest AWS would sign for a RAW message: what a caller passes with MessageType DIGEST. */
export function digestForSigning(algorithm: Exclude<SigningAlgorithm, "SM2DSA" | "ML_DSA_SHAKE_256">, message: Uint8Array): Buffer {
  return createHash(shaOf(algorithm)).update(message).digest();
}
