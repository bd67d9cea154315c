/**
 * Key specs x key usages x algorithms, as AWS KMS documents them. Pure data.
 */
export type KeyUsage = "ENCRYPT_DECRYPT" | "SIGN_VERIFY" | "GENERATE_VERIFY_MAC" | "KEY_AGREEMENT" | "ENCAPSULATE_DECAPSULATE";

export interface KeySpecInfo {
  readonly usages: readonly KeyUsage[];
  readonly encryptionAlgorithms?: readonly string[];
  readonly signingAlgorithms?: readonly string[];
  readonly macAlgorithms?: readonly string[];
  readonly keyAgreementAlgorithms?: readonly string[];
  readonly encapsulationAlgorithms?: readonly string[];
}

const RSA_ENC = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"] as const;
/** In the order DescribeKey lists them (AWS Developer Guide, "Viewing the cryptographic configuration"). */
const RSA_SIGN = [
  "RSASSA_PKCS1_V1_5_SHA_256",
  "RSASSA_PKCS1_V1_5_SHA_384",
  "RSASSA_PKCS1_V1_5_SHA_512",
  "RSASSA_PSS_SHA_256",
  "RSASSA_PSS_SHA_384",
  "RSASSA_PSS_SHA_512",
] as const;

export const KEY_SPECS: Readonly<Record<string, KeySpecInfo>> = {
  SYMMETRIC_DEFAULT: { usages: ["ENCRYPT_DECRYPT"], encryptionAlgorithms: ["SYMMETRIC_DEFAULT"] },
  RSA_2048: { usages: ["ENCRYPT_DECRYPT", "SIGN_VERIFY"], encryptionAlgorithms: RSA_ENC, signingAlgorithms: RSA_SIGN },
  RSA_3072: { usages: ["ENCRYPT_DECRYPT", "SIGN_VERIFY"], encryptionAlgorithms: RSA_ENC, signingAlgorithms: RSA_SIGN },
  RSA_4096: { usages: ["ENCRYPT_DECRYPT", "SIGN_VERIFY"], encryptionAlgorithms: RSA_ENC, signingAlgorithms: RSA_SIGN },
  ECC_NIST_P256: { usages: ["SIGN_VERIFY", "KEY_AGREEMENT"], signingAlgorithms: ["ECDSA_SHA_256"], keyAgreementAlgorithms: ["ECDH"] },
  ECC_NIST_P384: { usages: ["SIGN_VERIFY", "KEY_AGREEMENT"], signingAlgorithms: ["ECDSA_SHA_384"], keyAgreementAlgorithms: ["ECDH"] },
  ECC_NIST_P521: { usages: ["SIGN_VERIFY", "KEY_AGREEMENT"], signingAlgorithms: ["ECDSA_SHA_512"], keyAgreementAlgorithms: ["ECDH"] },
  ECC_SECG_P256K1: { usages: ["SIGN_VERIFY"], signingAlgorithms: ["ECDSA_SHA_256"] },
  ECC_NIST_EDWARDS25519: { usages: ["SIGN_VERIFY"], signingAlgorithms: ["ED25519_SHA_512", "ED25519_PH_SHA_512"] },
  ML_DSA_44: { usages: ["SIGN_VERIFY"], signingAlgorithms: ["ML_DSA_SHAKE_256"] },
  ML_DSA_65: { usages: ["SIGN_VERIFY"], signingAlgorithms: ["ML_DSA_SHAKE_256"] },
  ML_DSA_87: { usages: ["SIGN_VERIFY"], signingAlgorithms: ["ML_DSA_SHAKE_256"] },
  HMAC_224: { usages: ["GENERATE_VERIFY_MAC"], macAlgorithms: ["HMAC_SHA_224"] },
  HMAC_256: { usages: ["GENERATE_VERIFY_MAC"], macAlgorithms: ["HMAC_SHA_256"] },
  HMAC_384: { usages: ["GENERATE_VERIFY_MAC"], macAlgorithms: ["HMAC_SHA_384"] },
  HMAC_512: { usages: ["GENERATE_VERIFY_MAC"], macAlgorithms: ["HMAC_SHA_512"] },
  SM2: { usages: ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"], encryptionAlgorithms: ["SM2PKE"], signingAlgorithms: ["SM2DSA"], keyAgreementAlgorithms: ["ECDH"] },
  ML_KEM_512: { usages: ["ENCAPSULATE_DECAPSULATE"], encapsulationAlgorithms: ["ML_KEM"] },
  ML_KEM_768: { usages: ["ENCAPSULATE_DECAPSULATE"], encapsulationAlgorithms: ["ML_KEM"] },
  ML_KEM_1024: { usages: ["ENCAPSULATE_DECAPSULATE"], encapsulationAlgorithms: ["ML_KEM"] },
};

/**
 * Key specs Trent can create today: every spec of the table above. SM2 is offered in every region
 * (AWS offers it only in its China regions), and so are the ML-KEM specs (AWS: not in China).
 */
export const SUPPORTED_KEY_SPECS: ReadonlySet<string> = new Set(Object.keys(KEY_SPECS));

export const HMAC_KEY_SPECS: ReadonlySet<string> = new Set(["HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"]);

/** A key spec with a private/public key pair (everything but SYMMETRIC_DEFAULT and HMAC). */
export function isAsymmetricKeySpec(spec: string): boolean {
  return spec !== "SYMMETRIC_DEFAULT" && !HMAC_KEY_SPECS.has(spec) && Object.hasOwn(KEY_SPECS, spec);
}

export function keySpecInfo(spec: string): KeySpecInfo | undefined {
  return KEY_SPECS[spec];
}

/** The algorithm lists DescribeKey and GetPublicKey return for a key of this spec and usage. */
export function algorithmsFor(spec: string, usage: KeyUsage): {
  EncryptionAlgorithms?: string[];
  SigningAlgorithms?: string[];
  MacAlgorithms?: string[];
  KeyAgreementAlgorithms?: string[];
  EncapsulationAlgorithms?: string[];
} {
  const info = KEY_SPECS[spec];
  if (info === undefined) return {};
  switch (usage) {
    case "ENCRYPT_DECRYPT":
      return info.encryptionAlgorithms ? { EncryptionAlgorithms: [...info.encryptionAlgorithms] } : {};
    case "SIGN_VERIFY":
      return info.signingAlgorithms ? { SigningAlgorithms: [...info.signingAlgorithms] } : {};
    case "GENERATE_VERIFY_MAC":
      return info.macAlgorithms ? { MacAlgorithms: [...info.macAlgorithms] } : {};
    case "KEY_AGREEMENT":
      return info.keyAgreementAlgorithms ? { KeyAgreementAlgorithms: [...info.keyAgreementAlgorithms] } : {};
    case "ENCAPSULATE_DECAPSULATE":
      return info.encapsulationAlgorithms ? { EncapsulationAlgorithms: [...info.encapsulationAlgorithms] } : {};
  }
}
