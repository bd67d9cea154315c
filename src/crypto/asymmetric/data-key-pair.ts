/**
 * GenerateDataKeyPair(WithoutPlaintext): a fresh key pair of any DataKeyPairSpec, the private
 * key as DER PKCS#8 PrivateKeyInfo (RFC 5958) and the public key as DER SubjectPublicKeyInfo, as
 * AWS documents. SM2 keys are EC keys on the SM2 curve (id-ecPublicKey, curve OID
 * 1.2.156.10197.1.301), which OpenSSL loads as SM2 keys; ML-KEM keys use the seed form AWS
 * documents (ml-kem.ts).
 */
import { generateKeyPair, type KeyPair } from "./key-generation.js";
import { generateMlKemKeyPair, isMlKemSpec, type MlKemKeySpec } from "./ml-kem.js";
import type { EcdsaKeySpec, RsaKeySpec } from "./specs.js";

/** Every DataKeyPairSpec of the AWS model (src/generated/kms-types.ts). */
export type DataKeyPairSpec = RsaKeySpec | EcdsaKeySpec | "SM2" | "ECC_NIST_EDWARDS25519" | MlKemKeySpec;

export const DATA_KEY_PAIR_SPECS: readonly DataKeyPairSpec[] = [
  "RSA_2048",
  "RSA_3072",
  "RSA_4096",
  "ECC_NIST_P256",
  "ECC_NIST_P384",
  "ECC_NIST_P521",
  "ECC_SECG_P256K1",
  "SM2",
  "ECC_NIST_EDWARDS25519",
  "ML_KEM_512",
  "ML_KEM_768",
  "ML_KEM_1024",
];

export function generateDataKeyPair(spec: DataKeyPairSpec): Promise<KeyPair> {
  if (isMlKemSpec(spec)) return Promise.resolve(generateMlKemKeyPair(spec));
  return generateKeyPair(spec);
}
