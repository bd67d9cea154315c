/**
 * node:crypto KeyObjects from stored DER keys, checked against the key spec (an RSA key of
 * another size, or an EC key on another curve, is refused as invalid key material).
 */
import type { KeyObject } from "node:crypto";
import type { SecretBytes } from "../secret-bytes.js";
import { keyMaterialError } from "./errors.js";
import { importPrivateKey, importPublicKey } from "./key-material.js";
import { EC_CURVE, RSA_BITS, isEcdsaSpec, isRsaSpec, type AsymmetricKeySpec } from "./specs.js";

function fits(spec: AsymmetricKeySpec, key: KeyObject): boolean {
  const details = key.asymmetricKeyDetails;
  if (isRsaSpec(spec)) return key.asymmetricKeyType === "rsa" && details?.modulusLength === RSA_BITS[spec];
  if (isEcdsaSpec(spec)) return key.asymmetricKeyType === "ec" && details?.namedCurve === EC_CURVE[spec];
  if (spec === "ECC_NIST_EDWARDS25519") return key.asymmetricKeyType === "ed25519";
  return false;
}

/** The stored PKCS#8 private key of an RSA, ECDSA or Ed25519 key spec. */
export function privateKeyObject(spec: AsymmetricKeySpec, privateKey: SecretBytes): KeyObject {
  const key = importPrivateKey(spec, privateKey.expose());
  if (!fits(spec, key)) throw keyMaterialError(spec);
  return key;
}

/** The SPKI public key of an RSA, ECDSA or Ed25519 key spec. */
export function publicKeyObject(spec: AsymmetricKeySpec, publicKey: Buffer): KeyObject {
  const key = importPublicKey(spec, publicKey);
  if (!fits(spec, key)) throw keyMaterialError(spec);
  return key;
}
