/**
 * Key pairs for asymmetric KMS keys and data key pairs.
 *
 * The private key is always a DER PKCS#8 PrivateKeyInfo (RFC 5958) inside SecretBytes, the public
 * key a DER SubjectPublicKeyInfo (RFC 5280), which is what GetPublicKey and GenerateDataKeyPair
 * return. ML-DSA private keys are PKCS#8 in RFC 9881's seed form (see ml-dsa.ts).
 *
 * Generation is asynchronous: node:crypto generates RSA keys on its thread pool, so an RSA-4096
 * key (about 2 s) does not stall the event loop.
 */
import { generateKeyPair as nodeGenerateKeyPair } from "node:crypto";
import { SecretBytes } from "../secret-bytes.js";
import { generateMlDsaKeyPair } from "./ml-dsa.js";
import { generateMlKemKeyPair, isMlKemSpec, type MlKemKeySpec } from "./ml-kem.js";
import { EC_CURVE, RSA_BITS, isEcdsaSpec, isMlDsaSpec, isRsaSpec, type AsymmetricKeySpec } from "./specs.js";

export interface KeyPair {
  /** DER PKCS#8 PrivateKeyInfo. */
  privateKey: SecretBytes;
  /** DER SubjectPublicKeyInfo. */
  publicKey: Buffer;
}

const DER = {
  publicKeyEncoding: { type: "spki", format: "der" },
  privateKeyEncoding: { type: "pkcs8", format: "der" },
} as const;

function adopt(resolve: (kp: KeyPair) => void, reject: (e: Error) => void) {
  return (err: Error | null, publicKey: Buffer, privateKey: Buffer): void => {
    if (err) reject(err);
    else resolve({ privateKey: SecretBytes.adopt(privateKey), publicKey });
  };
}

/** A new key pair of `spec`: RSA_2048/3072/4096, ECC_NIST_P256/P384/P521, ECC_SECG_P256K1, ECC_NIST_EDWARDS25519, ML_DSA_44/65/87, SM2, ML_KEM_512/768/1024. */
export function generateKeyPair(spec: AsymmetricKeySpec | MlKemKeySpec): Promise<KeyPair> {
  if (isMlKemSpec(spec)) return Promise.resolve(generateMlKemKeyPair(spec));
  if (isMlDsaSpec(spec)) return Promise.resolve(generateMlDsaKeyPair(spec));
  return new Promise<KeyPair>((resolve, reject) => {
    const done = adopt(resolve, reject);
    if (isRsaSpec(spec)) nodeGenerateKeyPair("rsa", { modulusLength: RSA_BITS[spec], publicExponent: 0x10001, ...DER }, done);
    else if (isEcdsaSpec(spec)) nodeGenerateKeyPair("ec", { namedCurve: EC_CURVE[spec], ...DER }, done);
    else if (spec === "SM2") nodeGenerateKeyPair("ec", { namedCurve: "SM2", ...DER }, done);
    else nodeGenerateKeyPair("ed25519", DER, done);
  });
}
