/**
 * ML-DSA (FIPS 204) keys as AWS KMS uses them: key specs ML_DSA_44/65/87, signing algorithm
 * ML_DSA_SHAKE_256, MessageType RAW (pure ML-DSA with an empty context string, as AWS's offline
 * verification example shows: M' = 0x00 || 0x00 || M) or EXTERNAL_MU (the 64-byte
 * mu = SHAKE256(SHAKE256(pk, 64) || M', 64) of FIPS 204 section 6.2; not HashML-DSA).
 *
 * Node 20's OpenSSL 3.0 has no ML-DSA, so the arithmetic is @noble/post-quantum and the key
 * encodings are built here (RFC 9881, the NIST OIDs 2.16.840.1.101.3.4.3.17/18/19, which
 * OpenSSL 3.5 reads):
 *   SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { OID }, BIT STRING (0x00 || pk) }
 *     (AlgorithmIdentifier parameters absent)
 *   PrivateKeyInfo ::= SEQUENCE { INTEGER 0, SEQUENCE { OID }, OCTET STRING (ML-DSA-PrivateKey) }
 *     ML-DSA-PrivateKey ::= CHOICE { seed [0] IMPLICIT OCTET STRING (SIZE (32)),
 *                                    expandedKey OCTET STRING, both SEQUENCE { seed, expandedKey } }
 * Trent stores the seed form (32 bytes: smallest, and the one RFC 9881 recommends); it reads all
 * three. ML-DSA keys are not a DataKeyPairSpec, so this private key never leaves Trent.
 */
import { randomBytes } from "node:crypto";
import { shake256 } from "@noble/hashes/sha3.js";
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import { SecretBytes } from "../secret-bytes.js";
import { DerError, TAG, children, oid, oidToString, parseSequence, readTlv, sequence, tlv } from "./der.js";
import { keyMaterialError } from "./errors.js";
import type { MlDsaKeySpec } from "./specs.js";

const ML_DSA = {
  ML_DSA_44: { dsa: ml_dsa44, oid: "2.16.840.1.101.3.4.3.17" },
  ML_DSA_65: { dsa: ml_dsa65, oid: "2.16.840.1.101.3.4.3.18" },
  ML_DSA_87: { dsa: ml_dsa87, oid: "2.16.840.1.101.3.4.3.19" },
} as const;

export const ML_DSA_SEED_LENGTH = 32;
export const ML_DSA_MU_LENGTH = 64;

/** Public key, expanded secret key and signature sizes (FIPS 204 table 2), as AWS lists them. */
export function mlDsaLengths(spec: MlDsaKeySpec): { publicKey: number; secretKey: number; signature: number } {
  const l = ML_DSA[spec].dsa.lengths;
  return { publicKey: l.publicKey ?? 0, secretKey: l.secretKey ?? 0, signature: l.signature ?? 0 };
}

/** SubjectPublicKeyInfo DER for a raw ML-DSA public key. */
export function mlDsaSpki(spec: MlDsaKeySpec, rawPublicKey: Uint8Array): Buffer {
  return sequence(sequence(oid(ML_DSA[spec].oid)), tlv(TAG.BIT_STRING, Buffer.of(0), rawPublicKey));
}

/** PKCS#8 DER, seed form, for a 32-byte ML-DSA seed. */
export function mlDsaPkcs8FromSeed(spec: MlDsaKeySpec, seed: Uint8Array): Buffer {
  return sequence(
    tlv(TAG.INTEGER, Buffer.of(0)),
    sequence(oid(ML_DSA[spec].oid)),
    tlv(TAG.OCTET_STRING, tlv(0x80, seed)),
  );
}

/** Generates a key pair from a fresh (or, for tests, a given) 32-byte seed ξ. */
export function generateMlDsaKeyPair(
  spec: MlDsaKeySpec,
  seed?: Uint8Array,
): { privateKey: SecretBytes; publicKey: Buffer } {
  const xi = seed ?? randomBytes(ML_DSA_SEED_LENGTH);
  if (xi.length !== ML_DSA_SEED_LENGTH) throw new RangeError("ML-DSA seed must be 32 bytes");
  const { publicKey, secretKey } = ML_DSA[spec].dsa.keygen(xi);
  secretKey.fill(0);
  const privateKey = SecretBytes.adopt(mlDsaPkcs8FromSeed(spec, xi));
  if (seed === undefined) xi.fill(0);
  return { privateKey, publicKey: mlDsaSpki(spec, publicKey) };
}

/** The raw public key inside an ML-DSA SubjectPublicKeyInfo of this spec. */
export function mlDsaRawPublicKey(spec: MlDsaKeySpec, spki: Buffer): Buffer {
  try {
    const [alg, bits] = parseSequence(spki);
    if (alg?.tag !== TAG.SEQUENCE || bits?.tag !== TAG.BIT_STRING) throw new DerError("shape");
    const algChildren = children(alg.content);
    const algOid = algChildren[0];
    if (algChildren.length !== 1 || algOid?.tag !== TAG.OID || oidToString(algOid.content) !== ML_DSA[spec].oid) {
      throw new DerError("algorithm");
    }
    const pk = bits.content.subarray(1);
    if (bits.content[0] !== 0 || pk.length !== mlDsaLengths(spec).publicKey) throw new DerError("key length");
    return pk;
  } catch (e) {
    if (e instanceof DerError) throw keyMaterialError(spec);
    throw e;
  }
}

/** The expanded FIPS 204 secret key from a PKCS#8 key in any of RFC 9881's three forms. The caller zeroes it. */
function expandedSecretKey(spec: MlDsaKeySpec, pkcs8: Buffer): Uint8Array {
  const { dsa } = ML_DSA[spec];
  try {
    const [version, alg, key] = parseSequence(pkcs8);
    if (version?.tag !== TAG.INTEGER || alg?.tag !== TAG.SEQUENCE || key?.tag !== TAG.OCTET_STRING) throw new DerError("shape");
    const [algOid] = children(alg.content);
    if (algOid?.tag !== TAG.OID || oidToString(algOid.content) !== ML_DSA[spec].oid) throw new DerError("algorithm");
    const choice = readTlv(key.content, 0);
    if (choice.end !== key.content.length) throw new DerError("trailing");
    const fromSeed = (seed: Buffer): Uint8Array => {
      if (seed.length !== ML_DSA_SEED_LENGTH) throw new DerError("seed length");
      const { secretKey } = dsa.keygen(seed);
      return secretKey;
    };
    if (choice.tag === 0x80) return fromSeed(choice.content);
    if (choice.tag === TAG.OCTET_STRING) {
      if (choice.content.length !== mlDsaLengths(spec).secretKey) throw new DerError("key length");
      return Uint8Array.from(choice.content);
    }
    if (choice.tag === TAG.SEQUENCE) {
      const [seed, expanded] = children(choice.content);
      if (seed?.tag !== TAG.OCTET_STRING || expanded?.tag !== TAG.OCTET_STRING) throw new DerError("both");
      const sk = fromSeed(seed.content);
      // RFC 9881: the two halves of "both" must agree.
      if (!Buffer.from(sk.buffer, sk.byteOffset, sk.byteLength).equals(expanded.content)) {
        sk.fill(0);
        throw new DerError("seed and expanded key disagree");
      }
      return sk;
    }
    throw new DerError("choice");
  } catch (e) {
    if (e instanceof DerError) throw keyMaterialError(spec);
    throw e;
  }
}

/** The raw public key of a stored ML-DSA private key (to rebuild GetPublicKey's answer). */
export function mlDsaPublicKeyOf(spec: MlDsaKeySpec, privateKey: SecretBytes): Buffer {
  const sk = expandedSecretKey(spec, privateKey.expose());
  try {
    return mlDsaSpki(spec, ML_DSA[spec].dsa.getPublicKey(sk));
  } finally {
    sk.fill(0);
  }
}

/**
 * mu for pure ML-DSA with an empty context: SHAKE256(SHAKE256(pk, 64) || 0x00 || 0x00 || M, 64).
 * What a client computes to sign a large message with MessageType EXTERNAL_MU.
 */
export function mlDsaExternalMu(spec: MlDsaKeySpec, spki: Buffer, message: Uint8Array): Buffer {
  const pk = mlDsaRawPublicKey(spec, spki);
  const tr = shake256(pk, { dkLen: 64 });
  const mu = shake256.create({ dkLen: ML_DSA_MU_LENGTH }).update(tr).update(Uint8Array.of(0, 0)).update(message).digest();
  return Buffer.from(mu.buffer, mu.byteOffset, mu.byteLength);
}

export interface MlDsaSignOptions {
  /** Deterministic variant (rnd = 0^32) for known-answer tests; the default is hedged, as FIPS 204 recommends. */
  deterministic?: boolean;
}

/** Signs RAW (pure ML-DSA, empty context) or EXTERNAL_MU (64-byte mu). Lengths are checked by the caller. */
export function mlDsaSign(
  spec: MlDsaKeySpec,
  messageType: "RAW" | "EXTERNAL_MU",
  message: Uint8Array,
  privateKey: SecretBytes,
  options: MlDsaSignOptions = {},
): Buffer {
  const { dsa } = ML_DSA[spec];
  const sk = expandedSecretKey(spec, privateKey.expose());
  try {
    const extra = options.deterministic === true ? { extraEntropy: false as const } : {};
    const sig =
      messageType === "RAW"
        ? dsa.sign(message, sk, extra)
        : dsa.internal.sign(Uint8Array.from(message), sk, { ...extra, externalMu: true });
    return Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength);
  } finally {
    sk.fill(0);
  }
}

/** Verifies RAW or EXTERNAL_MU; false for any malformed signature. */
export function mlDsaVerify(
  spec: MlDsaKeySpec,
  messageType: "RAW" | "EXTERNAL_MU",
  message: Uint8Array,
  signature: Uint8Array,
  publicKey: Buffer,
): boolean {
  const { dsa } = ML_DSA[spec];
  const pk = mlDsaRawPublicKey(spec, publicKey);
  if (signature.length !== mlDsaLengths(spec).signature) return false;
  try {
    return messageType === "RAW"
      ? dsa.verify(signature, message, pk)
      : dsa.internal.verify(signature, message, pk, { externalMu: true });
  } catch {
    return false;
  }
}
