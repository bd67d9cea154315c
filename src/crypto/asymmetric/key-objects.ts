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

/**
 * Parsed keys, remembered per holder object: parsing a PKCS#8 key costs OpenSSL 3.0 several hundred
 * microseconds (a P-256 key about 620 µs, ten times the signature), and the key-material cache hands
 * out the same SecretBytes / public-key Buffer for a key as long as it keeps it. Weak keys: an entry
 * goes when its holder is evicted and collected. A KeyObject is as opaque as SecretBytes: its bytes
 * are reachable only through an explicit export.
 */
const privateKeys = new WeakMap<SecretBytes, { readonly spec: AsymmetricKeySpec; readonly key: KeyObject }>();
const publicKeys = new WeakMap<Buffer, { readonly spec: AsymmetricKeySpec; readonly key: KeyObject }>();

/** The stored PKCS#8 private key of an RSA, ECDSA or Ed25519 key spec. */
export function privateKeyObject(spec: AsymmetricKeySpec, privateKey: SecretBytes): KeyObject {
  const der = privateKey.expose(); // throws once the holder was disposed, cached or not
  const hit = privateKeys.get(privateKey);
  if (hit !== undefined && hit.spec === spec) return hit.key;
  const key = importPrivateKey(spec, der);
  if (!fits(spec, key)) throw keyMaterialError(spec);
  privateKeys.set(privateKey, { spec, key });
  return key;
}

/** The SPKI public key of an RSA, ECDSA or Ed25519 key spec. */
export function publicKeyObject(spec: AsymmetricKeySpec, publicKey: Buffer): KeyObject {
  const hit = publicKeys.get(publicKey);
  if (hit !== undefined && hit.spec === spec) return hit.key;
  const key = importPublicKey(spec, publicKey);
  if (!fits(spec, key)) throw keyMaterialError(spec);
  publicKeys.set(publicKey, { spec, key });
  return key;
}
