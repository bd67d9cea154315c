/**
 * Trent's crypto layer for AWS KMS asymmetric keys — key and data key pair generation, Sign and
 * Verify, RSA and SM2 encryption, ECDH — as one import for the operation layer. HMAC keys are in
 * ../hmac.ts.
 */
export type { AsymmetricKeySpec, EcdsaKeySpec, MessageType, MlDsaKeySpec, RsaEncryptionAlgorithm, RsaKeySpec, SigningAlgorithm } from "./specs.js";
export { ALGORITHM_INFO, MAX_RAW_MESSAGE, SIGNING_ALGORITHMS } from "./specs.js";
export { AsymmetricCryptoError, type AsymmetricErrorReason } from "./errors.js";
export { generateKeyPair, type KeyPair } from "./key-generation.js";
export { DATA_KEY_PAIR_SPECS, generateDataKeyPair, type DataKeyPairSpec } from "./data-key-pair.js";
export { publicKeyFromPrivate } from "./public-key.js";
export { checkSigningInput } from "./signing-input.js";
export { digestForSigning, sign } from "./sign.js";
export { verify } from "./verify.js";
export { asymmetricDecrypt, asymmetricEncrypt, type AsymmetricEncryptionAlgorithm } from "./encryption.js";
export { maxRsaPlaintext } from "./rsa-encryption.js";
export { SM2PKE_MAX_PLAINTEXT, sm2Digest } from "./sm2.js";
export { deriveSharedSecret, type KeyAgreementKeySpec } from "./ecdh.js";
export { mlDsaExternalMu } from "./ml-dsa.js";
export { isMlKemSpec, mlKemDecapsulate, mlKemEncapsulate, type MlKemKeySpec } from "./ml-kem.js";
