/**
 * DeriveSharedSecret with KeyAgreementAlgorithm ECDH: the Elliptic Curve Cryptography Cofactor
 * Diffie-Hellman primitive (NIST SP 800-56A §5.7.1.2; the cofactor is 1 on these curves), and
 * AWS "returns the raw shared secret": the x-coordinate of d·Q, big-endian, the size of the
 * field (32/48/66 bytes for P-256/P-384/P-521, 32 for SM2) — what `openssl pkeyutl -derive`
 * gives.
 *
 * The peer key must be a DER SubjectPublicKeyInfo of an EC key on the KMS key's curve. OpenSSL
 * checks that the point lies on the curve when it decodes it.
 */
import { createPublicKey, diffieHellman, type KeyObject } from "node:crypto";
import { SecretBytes } from "../secret-bytes.js";
import { DerError, TAG, children, oidToString, parseSequence } from "./der.js";
import { AsymmetricCryptoError, algorithmError } from "./errors.js";
import { CURVE_OID, OID, ecPublicPoint } from "./key-material.js";
import { privateKeyObject } from "./key-objects.js";
import { sm2Ecdh } from "./sm2.js";

/** Key specs whose KMS keys can have key usage KEY_AGREEMENT. */
export type KeyAgreementKeySpec = "ECC_NIST_P256" | "ECC_NIST_P384" | "ECC_NIST_P521" | "SM2";

const NODE_CURVE = { ECC_NIST_P256: "prime256v1", ECC_NIST_P384: "secp384r1", ECC_NIST_P521: "secp521r1" } as const;

function invalidPeer(): AsymmetricCryptoError {
  return new AsymmetricCryptoError("INVALID_PEER_PUBLIC_KEY", "The public key is not a valid DER-encoded X.509 SubjectPublicKeyInfo of an elliptic curve key.");
}

function curveMismatch(spec: string): AsymmetricCryptoError {
  return new AsymmetricCryptoError("PEER_KEY_CURVE_MISMATCH", `The public key is not on the curve of key spec ${spec}.`);
}

/** Which curve (by OID) a peer SPKI names; typed errors for anything that is not an EC SPKI. */
function peerCurveOid(peer: Buffer): string {
  try {
    const [alg, bits] = parseSequence(peer);
    if (alg?.tag !== TAG.SEQUENCE || bits?.tag !== TAG.BIT_STRING) throw new DerError("shape");
    const [algOid, curve] = children(alg.content);
    if (algOid?.tag !== TAG.OID || curve?.tag !== TAG.OID) throw new DerError("algorithm");
    if (oidToString(algOid.content) !== OID.EC_PUBLIC_KEY) throw new DerError("not EC");
    return oidToString(curve.content);
  } catch {
    throw invalidPeer();
  }
}

export function deriveSharedSecret(
  spec: KeyAgreementKeySpec,
  algorithm: "ECDH",
  privateKey: SecretBytes,
  peerPublicKey: Buffer,
): SecretBytes {
  if (algorithm !== "ECDH") throw algorithmError(algorithm, spec);
  if (peerCurveOid(peerPublicKey) !== CURVE_OID[spec]) throw curveMismatch(spec);

  if (spec === "SM2") {
    try {
      return sm2Ecdh(privateKey, ecPublicPoint("SM2", peerPublicKey));
    } catch (e) {
      if (e instanceof AsymmetricCryptoError) throw e;
      throw invalidPeer();
    }
  }

  let peer: KeyObject;
  try {
    peer = createPublicKey({ key: peerPublicKey, format: "der", type: "spki" });
  } catch {
    throw invalidPeer();
  }
  if (peer.asymmetricKeyType !== "ec") throw invalidPeer();
  if (peer.asymmetricKeyDetails?.namedCurve !== NODE_CURVE[spec]) throw curveMismatch(spec);
  const own = privateKeyObject(spec, privateKey);
  try {
    return SecretBytes.adopt(diffieHellman({ privateKey: own, publicKey: peer }));
  } catch {
    throw invalidPeer();
  }
}
