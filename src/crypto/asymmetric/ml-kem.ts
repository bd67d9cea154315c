/**
 * ML-KEM (FIPS 203) key pairs: KMS keys (KeySpec ML_KEM_512/768/1024, Encapsulate/Decapsulate) and
 * data key pairs (DataKeyPairSpec ML_KEM_512/768/1024). AWS documents for
 * GenerateDataKeyPair: "For ML-KEM data key pairs, the DER-encoded PKCS8 PrivateKeyInfo contains
 * the private key in seed format. As a result, the length of the private key is the same for all
 * ML-KEM key pair specs." The encodings are RFC 9935's, with the NIST OIDs
 * 2.16.840.1.101.3.4.4.1/2/3 and absent AlgorithmIdentifier parameters:
 *   SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { OID }, BIT STRING (0x00 || ek) }
 *   PrivateKeyInfo ::= SEQUENCE { INTEGER 0, SEQUENCE { OID }, OCTET STRING ([0] IMPLICIT OCTET STRING (SIZE (64)) d || z) }
 * Node 20 has no ML-KEM: key generation, encapsulation and decapsulation are @noble/post-quantum.
 */
import { randomBytes } from "node:crypto";
import { ml_kem1024, ml_kem512, ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { SecretBytes } from "../secret-bytes.js";
import { TAG, oid, sequence, tlv } from "./der.js";
import { AsymmetricCryptoError, keyMaterialError } from "./errors.js";

export type MlKemKeySpec = "ML_KEM_512" | "ML_KEM_768" | "ML_KEM_1024";

const ML_KEM = {
  ML_KEM_512: { kem: ml_kem512, oid: "2.16.840.1.101.3.4.4.1" },
  ML_KEM_768: { kem: ml_kem768, oid: "2.16.840.1.101.3.4.4.2" },
  ML_KEM_1024: { kem: ml_kem1024, oid: "2.16.840.1.101.3.4.4.3" },
} as const;

export const ML_KEM_SEED_LENGTH = 64;

export function isMlKemSpec(spec: string): spec is MlKemKeySpec {
  return spec === "ML_KEM_512" || spec === "ML_KEM_768" || spec === "ML_KEM_1024";
}

export function mlKemSpki(spec: MlKemKeySpec, encapsulationKey: Uint8Array): Buffer {
  return sequence(sequence(oid(ML_KEM[spec].oid)), tlv(TAG.BIT_STRING, Buffer.of(0), encapsulationKey));
}

export function mlKemPkcs8FromSeed(spec: MlKemKeySpec, seed: Uint8Array): Buffer {
  // The DER is built around a zero seed and the seed copied in last, into memory of its own: the
  // DER helpers concatenate through Node's shared buffer pool, which is never zeroed.
  const shape = sequence(tlv(TAG.INTEGER, Buffer.of(0)), sequence(oid(ML_KEM[spec].oid)), tlv(TAG.OCTET_STRING, tlv(0x80, new Uint8Array(seed.length))));
  const out = Buffer.allocUnsafeSlow(shape.length);
  shape.copy(out);
  out.set(seed, shape.length - seed.length);
  return out;
}

/** A key pair from a fresh (or, for tests, a given) 64-byte seed d || z. */
export function generateMlKemKeyPair(spec: MlKemKeySpec, seed?: Uint8Array): { privateKey: SecretBytes; publicKey: Buffer } {
  const s = seed ?? randomBytes(ML_KEM_SEED_LENGTH);
  if (s.length !== ML_KEM_SEED_LENGTH) throw new RangeError("ML-KEM seed must be 64 bytes");
  const { publicKey, secretKey } = ML_KEM[spec].kem.keygen(s);
  secretKey.fill(0);
  const privateKey = SecretBytes.adopt(mlKemPkcs8FromSeed(spec, s));
  if (seed === undefined) s.fill(0);
  return { privateKey, publicKey: mlKemSpki(spec, publicKey) };
}

/** Encapsulation key (public key) and ciphertext lengths per parameter set (FIPS 203, table 3). */
const SIZES: Readonly<Record<MlKemKeySpec, { readonly encapsulationKey: number; readonly ciphertext: number }>> = {
  ML_KEM_512: { encapsulationKey: 800, ciphertext: 768 },
  ML_KEM_768: { encapsulationKey: 1184, ciphertext: 1088 },
  ML_KEM_1024: { encapsulationKey: 1568, ciphertext: 1568 },
};

/** The encapsulation key inside an SPKI that mlKemSpki wrote for this spec. */
function encapsulationKeyOf(spec: MlKemKeySpec, spki: Uint8Array): Uint8Array {
  const n = SIZES[spec].encapsulationKey;
  const prefix = mlKemSpki(spec, new Uint8Array(n)).subarray(0, -n);
  if (spki.length !== prefix.length + n || !Buffer.from(spki.subarray(0, prefix.length)).equals(prefix)) throw keyMaterialError(spec);
  return spki.subarray(prefix.length);
}

/**
 * The SPKI public key of an ML-KEM private key in PKCS#8 seed form (the form GenerateDataKeyPair
 * returns and Trent stores); throws when the key is not that form for this spec (key import).
 */
export function mlKemPublicKeyFromPrivate(spec: MlKemKeySpec, pkcs8: SecretBytes): Buffer {
  const { publicKey, secretKey } = ML_KEM[spec].kem.keygen(seedOf(spec, pkcs8.expose()));
  secretKey.fill(0);
  return mlKemSpki(spec, publicKey);
}

/** The 64-byte seed inside a private key mlKemPkcs8FromSeed wrote for this spec (the form Trent stores). */
function seedOf(spec: MlKemKeySpec, pkcs8: Buffer): Uint8Array {
  const prefix = mlKemPkcs8FromSeed(spec, new Uint8Array(ML_KEM_SEED_LENGTH)).subarray(0, -ML_KEM_SEED_LENGTH);
  if (pkcs8.length !== prefix.length + ML_KEM_SEED_LENGTH || !pkcs8.subarray(0, prefix.length).equals(prefix)) throw keyMaterialError(spec);
  return pkcs8.subarray(prefix.length);
}

/**
 * Encapsulate: a fresh 32-byte shared secret and its ciphertext under the public key (DER SPKI).
 * Randomness is FIPS 203's m, drawn by the library from the platform's CSPRNG.
 */
export function mlKemEncapsulate(spec: MlKemKeySpec, spki: Uint8Array): { sharedSecret: SecretBytes; ciphertext: Buffer } {
  const { cipherText, sharedSecret } = ML_KEM[spec].kem.encapsulate(encapsulationKeyOf(spec, spki));
  const secret = SecretBytes.copyOf(sharedSecret);
  sharedSecret.fill(0);
  return { sharedSecret: secret, ciphertext: Buffer.from(cipherText) };
}

/**
 * Decapsulate with the private key (PKCS#8, seed form). A ciphertext of the wrong length fails
 * (AWS: InvalidCiphertextException); any other ciphertext gives 32 bytes: a wrong or altered one
 * gives FIPS 203's implicit-rejection value, as AWS documents.
 */
export function mlKemDecapsulate(spec: MlKemKeySpec, privateKey: SecretBytes, ciphertext: Uint8Array): SecretBytes {
  if (ciphertext.length !== SIZES[spec].ciphertext) {
    throw new AsymmetricCryptoError("DECRYPTION_FAILED", "The ciphertext length does not match the key spec.");
  }
  const { secretKey } = ML_KEM[spec].kem.keygen(seedOf(spec, privateKey.expose()));
  try {
    const shared = ML_KEM[spec].kem.decapsulate(ciphertext, secretKey);
    const secret = SecretBytes.copyOf(shared);
    shared.fill(0);
    return secret;
  } finally {
    secretKey.fill(0);
  }
}
