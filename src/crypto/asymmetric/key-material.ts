/**
 * Reading the raw numbers out of PKCS#8 private keys and SubjectPublicKeyInfo public keys, for
 * the paths node:crypto cannot take (signing a precomputed digest with @noble/curves).
 *
 * Every function here checks the algorithm and curve OIDs against the key spec, so a key of the
 * wrong kind is refused before any arithmetic.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { keyMaterialError } from "./errors.js";
import { DerError, TAG, children, expect, leftPad, oidToString, parseSequence } from "./der.js";
import type { EcdsaKeySpec } from "./specs.js";

export const OID = {
  EC_PUBLIC_KEY: "1.2.840.10045.2.1",
  ED25519: "1.3.101.112",
  P256: "1.2.840.10045.3.1.7",
  P384: "1.3.132.0.34",
  P521: "1.3.132.0.35",
  SECP256K1: "1.3.132.0.10",
  SM2: "1.2.156.10197.1.301",
} as const;

export type EcCurveSpec = EcdsaKeySpec | "SM2";

export const CURVE_OID: Readonly<Record<EcCurveSpec, string>> = {
  ECC_NIST_P256: OID.P256,
  ECC_NIST_P384: OID.P384,
  ECC_NIST_P521: OID.P521,
  ECC_SECG_P256K1: OID.SECP256K1,
  SM2: OID.SM2,
};

/** Byte length of a scalar / field element per curve. */
export const CURVE_BYTES: Readonly<Record<EcCurveSpec, number>> = {
  ECC_NIST_P256: 32,
  ECC_NIST_P384: 48,
  ECC_NIST_P521: 66,
  ECC_SECG_P256K1: 32,
  SM2: 32,
};

/**
 * The private scalar d of an EC PKCS#8 key (RFC 5208 + RFC 5915), left-padded to the curve size.
 * The caller owns the returned copy and must zero it.
 */
export function ecPrivateScalar(spec: EcCurveSpec, pkcs8: Buffer): Buffer {
  try {
    const [version, alg, key] = parseSequence(pkcs8);
    if (version?.tag !== TAG.INTEGER || alg?.tag !== TAG.SEQUENCE || key?.tag !== TAG.OCTET_STRING) throw new DerError("shape");
    const [algOid, curveOid] = children(alg.content);
    if (algOid?.tag !== TAG.OID || oidToString(algOid.content) !== OID.EC_PUBLIC_KEY) throw new DerError("algorithm");
    if (curveOid?.tag !== TAG.OID || oidToString(curveOid.content) !== CURVE_OID[spec]) throw new DerError("curve");
    const [ecVersion, d, ...rest] = parseSequence(key.content);
    if (ecVersion?.tag !== TAG.INTEGER || d?.tag !== TAG.OCTET_STRING) throw new DerError("ECPrivateKey");
    // [0] parameters, if present, must name the same curve.
    const params = rest.find((t) => t.tag === 0xa0);
    if (params !== undefined) {
      const inner = expect(params.content, 0, TAG.OID);
      if (oidToString(inner.content) !== CURVE_OID[spec]) throw new DerError("curve");
    }
    return leftPad(d.content, CURVE_BYTES[spec]);
  } catch (e) {
    if (e instanceof DerError) throw keyMaterialError(spec);
    throw e;
  }
}

/** The uncompressed point (04 || x || y) of an EC SubjectPublicKeyInfo on the spec's curve. */
export function ecPublicPoint(spec: EcCurveSpec, spki: Buffer): Buffer {
  const [alg, bits] = parseSequence(spki);
  if (alg?.tag !== TAG.SEQUENCE || bits?.tag !== TAG.BIT_STRING) throw new DerError("shape");
  const [algOid, curveOid] = children(alg.content);
  if (algOid?.tag !== TAG.OID || oidToString(algOid.content) !== OID.EC_PUBLIC_KEY) throw new DerError("algorithm");
  if (curveOid?.tag !== TAG.OID || oidToString(curveOid.content) !== CURVE_OID[spec]) throw new DerError("curve");
  if (bits.content[0] !== 0) throw new DerError("unused bits");
  return bits.content.subarray(1);
}

/** The 32-byte seed of an Ed25519 PKCS#8 key (RFC 8410). The caller owns the copy and zeroes it. */
export function ed25519Seed(pkcs8: Buffer): Buffer {
  try {
    const [version, alg, key] = parseSequence(pkcs8);
    if (version?.tag !== TAG.INTEGER || alg?.tag !== TAG.SEQUENCE || key?.tag !== TAG.OCTET_STRING) throw new DerError("shape");
    const [algOid] = children(alg.content);
    if (algOid?.tag !== TAG.OID || oidToString(algOid.content) !== OID.ED25519) throw new DerError("algorithm");
    const seed = expect(key.content, 0, TAG.OCTET_STRING);
    if (seed.end !== key.content.length || seed.content.length !== 32) throw new DerError("seed");
    return Buffer.from(seed.content);
  } catch (e) {
    if (e instanceof DerError) throw keyMaterialError("ECC_NIST_EDWARDS25519");
    throw e;
  }
}

/** The 32-byte public key of an Ed25519 SubjectPublicKeyInfo. */
export function ed25519PublicKey(spki: Buffer): Buffer {
  const [alg, bits] = parseSequence(spki);
  if (alg?.tag !== TAG.SEQUENCE || bits?.tag !== TAG.BIT_STRING) throw new DerError("shape");
  const [algOid] = children(alg.content);
  if (algOid?.tag !== TAG.OID || oidToString(algOid.content) !== OID.ED25519) throw new DerError("algorithm");
  if (bits.content[0] !== 0 || bits.content.length !== 33) throw new DerError("key");
  return bits.content.subarray(1);
}

/** A node:crypto private key from PKCS#8 DER; a typed error if it does not parse. */
export function importPrivateKey(spec: string, pkcs8: Buffer): KeyObject {
  try {
    return createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  } catch {
    throw keyMaterialError(spec);
  }
}

/** A node:crypto public key from SPKI DER; a typed error if it does not parse. */
export function importPublicKey(spec: string, spki: Buffer): KeyObject {
  try {
    return createPublicKey({ key: spki, format: "der", type: "spki" });
  } catch {
    throw keyMaterialError(spec);
  }
}
