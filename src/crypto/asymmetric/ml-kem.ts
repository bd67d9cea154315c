/**
 * ML-KEM (FIPS 203) data key pairs (DataKeyPairSpec ML_KEM_512/768/1024). AWS documents for
 * GenerateDataKeyPair: "For ML-KEM data key pairs, the DER-encoded PKCS8 PrivateKeyInfo contains
 * the private key in seed format. As a result, the length of the private key is the same for all
 * ML-KEM key pair specs." The encodings are RFC 9935's, with the NIST OIDs
 * 2.16.840.1.101.3.4.4.1/2/3 and absent AlgorithmIdentifier parameters:
 *   SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { OID }, BIT STRING (0x00 || ek) }
 *   PrivateKeyInfo ::= SEQUENCE { INTEGER 0, SEQUENCE { OID }, OCTET STRING ([0] IMPLICIT OCTET STRING (SIZE (64)) d || z) }
 * Node 20 has no ML-KEM: key generation is @noble/post-quantum.
 */
import { randomBytes } from "node:crypto";
import { ml_kem1024, ml_kem512, ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { SecretBytes } from "../secret-bytes.js";
import { TAG, oid, sequence, tlv } from "./der.js";

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
  return sequence(tlv(TAG.INTEGER, Buffer.of(0)), sequence(oid(ML_KEM[spec].oid)), tlv(TAG.OCTET_STRING, tlv(0x80, seed)));
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
