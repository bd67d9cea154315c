/**
 * Key specs, algorithms and message types of AWS KMS asymmetric keys, as this layer knows them.
 *
 * The string values are AWS's (the same literals as `src/generated/kms-types.ts`); they are
 * repeated here because `src/crypto/` imports nothing else of the project.
 */

export type RsaKeySpec = "RSA_2048" | "RSA_3072" | "RSA_4096";
export type EcdsaKeySpec = "ECC_NIST_P256" | "ECC_NIST_P384" | "ECC_NIST_P521" | "ECC_SECG_P256K1";
export type MlDsaKeySpec = "ML_DSA_44" | "ML_DSA_65" | "ML_DSA_87";
/** Every asymmetric KMS key spec Trent can create (SM2: see `sm2.ts`). */
export type AsymmetricKeySpec = RsaKeySpec | EcdsaKeySpec | "ECC_NIST_EDWARDS25519" | MlDsaKeySpec | "SM2";

export type SigningAlgorithm =
  | "RSASSA_PSS_SHA_256"
  | "RSASSA_PSS_SHA_384"
  | "RSASSA_PSS_SHA_512"
  | "RSASSA_PKCS1_V1_5_SHA_256"
  | "RSASSA_PKCS1_V1_5_SHA_384"
  | "RSASSA_PKCS1_V1_5_SHA_512"
  | "ECDSA_SHA_256"
  | "ECDSA_SHA_384"
  | "ECDSA_SHA_512"
  | "SM2DSA"
  | "ML_DSA_SHAKE_256"
  | "ED25519_SHA_512"
  | "ED25519_PH_SHA_512";

export type MessageType = "RAW" | "DIGEST" | "EXTERNAL_MU";

export type RsaEncryptionAlgorithm = "RSAES_OAEP_SHA_1" | "RSAES_OAEP_SHA_256";

/** The largest message AWS accepts with MessageType RAW (the model's length constraint on Message). */
export const MAX_RAW_MESSAGE = 4096;

/** node:crypto hash names. */
export type HashName = "sha1" | "sha256" | "sha384" | "sha512";

export const HASH_LENGTH: Readonly<Record<HashName, number>> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

const RSA_SIGNING: readonly SigningAlgorithm[] = [
  "RSASSA_PSS_SHA_256",
  "RSASSA_PSS_SHA_384",
  "RSASSA_PSS_SHA_512",
  "RSASSA_PKCS1_V1_5_SHA_256",
  "RSASSA_PKCS1_V1_5_SHA_384",
  "RSASSA_PKCS1_V1_5_SHA_512",
];

/** AWS's key spec reference: which signing algorithms each key spec accepts. */
export const SIGNING_ALGORITHMS: Readonly<Record<AsymmetricKeySpec, readonly SigningAlgorithm[]>> = {
  RSA_2048: RSA_SIGNING,
  RSA_3072: RSA_SIGNING,
  RSA_4096: RSA_SIGNING,
  ECC_NIST_P256: ["ECDSA_SHA_256"],
  ECC_NIST_P384: ["ECDSA_SHA_384"],
  ECC_NIST_P521: ["ECDSA_SHA_512"],
  ECC_SECG_P256K1: ["ECDSA_SHA_256"],
  ECC_NIST_EDWARDS25519: ["ED25519_SHA_512", "ED25519_PH_SHA_512"],
  ML_DSA_44: ["ML_DSA_SHAKE_256"],
  ML_DSA_65: ["ML_DSA_SHAKE_256"],
  ML_DSA_87: ["ML_DSA_SHAKE_256"],
  SM2: ["SM2DSA"],
};

/**
 * The message types each signing algorithm accepts, and the length a DIGEST (or EXTERNAL_MU)
 * message must have. ED25519_SHA_512 takes RAW only and ED25519_PH_SHA_512 DIGEST only (AWS:
 * "These message types cannot be used interchangeably"); ML_DSA_SHAKE_256 takes RAW or a 64-byte
 * EXTERNAL_MU; SM2DSA's DIGEST is the 32-byte SM3 digest of Z_A || M.
 */
export const ALGORITHM_INFO: Readonly<
  Record<SigningAlgorithm, { readonly hash: HashName | "shake256" | "sm3"; readonly messageTypes: readonly MessageType[]; readonly digestLength: number }>
> = {
  RSASSA_PSS_SHA_256: { hash: "sha256", messageTypes: ["RAW", "DIGEST"], digestLength: 32 },
  RSASSA_PSS_SHA_384: { hash: "sha384", messageTypes: ["RAW", "DIGEST"], digestLength: 48 },
  RSASSA_PSS_SHA_512: { hash: "sha512", messageTypes: ["RAW", "DIGEST"], digestLength: 64 },
  RSASSA_PKCS1_V1_5_SHA_256: { hash: "sha256", messageTypes: ["RAW", "DIGEST"], digestLength: 32 },
  RSASSA_PKCS1_V1_5_SHA_384: { hash: "sha384", messageTypes: ["RAW", "DIGEST"], digestLength: 48 },
  RSASSA_PKCS1_V1_5_SHA_512: { hash: "sha512", messageTypes: ["RAW", "DIGEST"], digestLength: 64 },
  ECDSA_SHA_256: { hash: "sha256", messageTypes: ["RAW", "DIGEST"], digestLength: 32 },
  ECDSA_SHA_384: { hash: "sha384", messageTypes: ["RAW", "DIGEST"], digestLength: 48 },
  ECDSA_SHA_512: { hash: "sha512", messageTypes: ["RAW", "DIGEST"], digestLength: 64 },
  SM2DSA: { hash: "sm3", messageTypes: ["RAW", "DIGEST"], digestLength: 32 },
  ML_DSA_SHAKE_256: { hash: "shake256", messageTypes: ["RAW", "EXTERNAL_MU"], digestLength: 64 },
  ED25519_SHA_512: { hash: "sha512", messageTypes: ["RAW"], digestLength: 64 },
  ED25519_PH_SHA_512: { hash: "sha512", messageTypes: ["DIGEST"], digestLength: 64 },
};

/** RSA key size in bits. */
export const RSA_BITS: Readonly<Record<RsaKeySpec, number>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };

/** node:crypto / OpenSSL curve names. */
export const EC_CURVE: Readonly<Record<EcdsaKeySpec, "prime256v1" | "secp384r1" | "secp521r1" | "secp256k1">> = {
  ECC_NIST_P256: "prime256v1",
  ECC_NIST_P384: "secp384r1",
  ECC_NIST_P521: "secp521r1",
  ECC_SECG_P256K1: "secp256k1",
};

export function isRsaSpec(spec: string): spec is RsaKeySpec {
  return spec === "RSA_2048" || spec === "RSA_3072" || spec === "RSA_4096";
}

export function isEcdsaSpec(spec: string): spec is EcdsaKeySpec {
  return spec === "ECC_NIST_P256" || spec === "ECC_NIST_P384" || spec === "ECC_NIST_P521" || spec === "ECC_SECG_P256K1";
}

export function isMlDsaSpec(spec: string): spec is MlDsaKeySpec {
  return spec === "ML_DSA_44" || spec === "ML_DSA_65" || spec === "ML_DSA_87";
}
