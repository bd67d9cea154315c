/**
 * Key import (BYOK) as AWS KMS documents it: a wrapping key pair per GetParametersForImport, the
 * unwrapping of EncryptedKeyMaterial per wrapping algorithm, and the checks that imported material
 * fits the KMS key's spec.
 *
 * Wrapping algorithms (AWS "Select a wrapping algorithm"):
 *  - RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256: the material itself, RSA-OAEP encrypted (MGF1 with
 *    the OAEP hash, empty label) under the wrapping public key.
 *  - RSA_AES_KEY_WRAP_SHA_1 / _SHA_256: `RSA-OAEP(AES key) || AES-KWP(AES key, material)`. The first
 *    part is exactly as long as the wrapping key's modulus; the second is AES key wrap with padding
 *    (RFC 5649, OpenSSL's `id-aes256-wrap-pad` with IV A65959A6). AWS documents a 256-bit AES key;
 *    128- and 192-bit AES keys are accepted too.
 *  - SM2PKE with an SM2 wrapping key (AWS China Regions): GM/T 0009 ciphertext of the material.
 *  - RSAES_PKCS1_V1_5: no longer accepted by AWS (since 10 October 2023); not implemented here.
 *
 * The material is the raw key for SYMMETRIC_DEFAULT (32 bytes) and HMAC keys (a length within the
 * spec's range), and a DER PKCS#8 PrivateKeyInfo for asymmetric keys (AWS derives the public key).
 */
import { constants, createDecipheriv, createHmac, createPrivateKey, privateDecrypt, sign, verify, type KeyObject } from "node:crypto";
import { generateKeyPair, publicKeyFromPrivate, type AsymmetricKeySpec, type KeyPair } from "./asymmetric/index.js";
import { ecPrivateScalar, ecPublicPoint } from "./asymmetric/key-material.js";
import { privateKeyObject } from "./asymmetric/key-objects.js";
import { sm2Decrypt, sm2PublicPointOf } from "./asymmetric/sm2.js";
import { isMlKemSpec, mlKemPublicKeyFromPrivate } from "./asymmetric/ml-kem.js";
import { isEcdsaSpec, isMlDsaSpec, isRsaSpec } from "./asymmetric/specs.js";
import { SecretBytes } from "./secret-bytes.js";

export type WrappingKeySpec = "RSA_2048" | "RSA_3072" | "RSA_4096" | "SM2";
export type WrappingAlgorithm =
  | "RSAES_OAEP_SHA_1"
  | "RSAES_OAEP_SHA_256"
  | "RSA_AES_KEY_WRAP_SHA_1"
  | "RSA_AES_KEY_WRAP_SHA_256"
  | "SM2PKE";

/** Why imported material was refused. */
export type KeyImportFailure =
  /** EncryptedKeyMaterial does not decrypt under the wrapping key with the algorithm (AWS: InvalidCiphertextException). */
  | "UNWRAP_FAILED"
  /** The plaintext material does not fit the KMS key's spec (AWS: IncorrectKeyMaterialException). */
  | "INVALID_MATERIAL";

export class KeyImportError extends Error {
  override readonly name = "KeyImportError";
  constructor(
    readonly reason: KeyImportFailure,
    message: string,
  ) {
    super(message);
  }
}

/** HMAC key lengths AWS accepts for imported material, in bytes (inclusive). */
export const HMAC_IMPORT_LENGTH: Readonly<Record<string, { readonly min: number; readonly max: number }>> = {
  HMAC_224: { min: 28, max: 64 },
  HMAC_256: { min: 32, max: 64 },
  HMAC_384: { min: 48, max: 128 },
  HMAC_512: { min: 64, max: 128 },
};

export const SYMMETRIC_MATERIAL_LENGTH = 32;

/** The RFC 5649 alternative initial value (what `openssl enc -id-aes256-wrap-pad -iv A65959A6` uses). */
const KWP_IV = Buffer.from("a65959a6", "hex");
const KWP_CIPHER: Readonly<Record<number, string>> = { 16: "id-aes128-wrap-pad", 24: "id-aes192-wrap-pad", 32: "id-aes256-wrap-pad" };

/** Which wrapping algorithms go with which wrapping key spec. */
export function wrappingAlgorithmFits(spec: WrappingKeySpec, algorithm: WrappingAlgorithm): boolean {
  return spec === "SM2" ? algorithm === "SM2PKE" : algorithm !== "SM2PKE";
}

/** A fresh wrapping key pair: PKCS#8 private key, SPKI public key (what GetParametersForImport returns). */
export function generateWrappingKeyPair(spec: WrappingKeySpec): Promise<KeyPair> {
  return generateKeyPair(spec);
}

function unwrapFailed(): KeyImportError {
  return new KeyImportError("UNWRAP_FAILED", "The encrypted key material could not be decrypted with the wrapping key.");
}

function oaepDecrypt(key: KeyObject, hash: "sha1" | "sha256", data: Uint8Array): Buffer {
  return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data);
}

/**
 * The plaintext key material inside EncryptedKeyMaterial. Every failure is the same
 * KeyImportError("UNWRAP_FAILED"), whatever went wrong (no padding oracle).
 */
export function unwrapKeyMaterial(algorithm: WrappingAlgorithm, wrappingPrivateKey: SecretBytes, encrypted: Uint8Array): SecretBytes {
  if (algorithm === "SM2PKE") {
    try {
      return sm2Decrypt(encrypted, wrappingPrivateKey);
    } catch {
      throw unwrapFailed();
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: wrappingPrivateKey.expose(), format: "der", type: "pkcs8" });
  } catch {
    throw new Error("the wrapping private key does not parse");
  }
  const hash = algorithm.endsWith("SHA_1") ? "sha1" : "sha256";
  if (algorithm === "RSAES_OAEP_SHA_1" || algorithm === "RSAES_OAEP_SHA_256") {
    try {
      return SecretBytes.adopt(oaepDecrypt(key, hash, encrypted));
    } catch {
      throw unwrapFailed();
    }
  }
  // RSA_AES_KEY_WRAP_*: the RSA part is as long as the modulus; the rest is the KWP output.
  const modulusBytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  const rest = encrypted.length - modulusBytes;
  if (modulusBytes === 0 || rest < 16 || rest % 8 !== 0) throw unwrapFailed();
  let aesKey: Buffer | undefined;
  try {
    aesKey = oaepDecrypt(key, hash, encrypted.subarray(0, modulusBytes));
    const cipher = KWP_CIPHER[aesKey.length];
    if (cipher === undefined) throw unwrapFailed();
    const d = createDecipheriv(cipher, aesKey, KWP_IV);
    const out = Buffer.concat([d.update(encrypted.subarray(modulusBytes)), d.final()]);
    return SecretBytes.adopt(out);
  } catch {
    throw unwrapFailed();
  } finally {
    aesKey?.fill(0);
  }
}

export interface CheckedMaterial {
  /** What is stored (wrapped under the root): the raw key, or a canonical PKCS#8 private key. */
  readonly secret: SecretBytes;
  /** DER SubjectPublicKeyInfo, for asymmetric key specs. */
  readonly publicKey?: Buffer;
  /** The key material id AWS reports: derived from the KMS key id and the material. */
  readonly materialId: string;
}

function invalidMaterial(spec: string): KeyImportError {
  return new KeyImportError("INVALID_MATERIAL", `The key material is not valid for key spec ${spec}.`);
}

const PAIRWISE_MESSAGE = Buffer.from("trent imported key pair consistency check", "utf8");

/** A signature made with the private key verifies under the public key derived for it. */
function pairwiseConsistent(spec: AsymmetricKeySpec, key: KeyObject, spki: Buffer): boolean {
  const digest = isRsaSpec(spec) || isEcdsaSpec(spec) ? "sha256" : null;
  const signature = sign(digest, PAIRWISE_MESSAGE, key);
  return verify(digest, PAIRWISE_MESSAGE, { key: spki, format: "der", type: "spki" }, signature);
}

/**
 * Checks that `material` fits `spec` and returns what to store. Symmetric material must be 256
 * bits; HMAC material within the spec's length range; an asymmetric private key a PKCS#8 key of
 * the spec's algorithm, size and curve whose public key really belongs to it. Takes ownership of
 * `material` (it is disposed unless returned as `secret`).
 */
export function checkImportedMaterial(keyId: string, spec: string, material: SecretBytes): CheckedMaterial {
  let keep = false;
  try {
    if (spec === "SYMMETRIC_DEFAULT" || Object.hasOwn(HMAC_IMPORT_LENGTH, spec)) {
      const range = HMAC_IMPORT_LENGTH[spec] ?? { min: SYMMETRIC_MATERIAL_LENGTH, max: SYMMETRIC_MATERIAL_LENGTH };
      if (material.length < range.min || material.length > range.max) throw invalidMaterial(spec);
      keep = true;
      return { secret: material, materialId: importedMaterialId(keyId, material.expose()) };
    }
    const asym = spec as AsymmetricKeySpec;
    let secret: SecretBytes;
    let publicKey: Buffer;
    try {
      if (isMlKemSpec(spec)) {
        // PKCS#8 in seed form only (as GenerateDataKeyPair returns it); the public key is recomputed.
        publicKey = mlKemPublicKeyFromPrivate(spec, material);
        secret = material;
        keep = true;
      } else if (isMlDsaSpec(asym)) {
        // The seed, expanded or "both" form (RFC 9881); the public key is recomputed from it.
        publicKey = publicKeyFromPrivate(asym, material);
        secret = material;
        keep = true;
      } else if (asym === "SM2") {
        ecPrivateScalar("SM2", material.expose()); // algorithm and curve OIDs
        const key = createPrivateKey({ key: material.expose(), format: "der", type: "pkcs8" });
        secret = SecretBytes.adopt(key.export({ type: "pkcs8", format: "der" }));
        publicKey = publicKeyFromPrivate("SM2", secret);
        if (!sm2PublicPointOf(secret).equals(ecPublicPoint("SM2", publicKey))) {
          secret.dispose();
          throw invalidMaterial(spec);
        }
      } else {
        const key = privateKeyObject(asym, material); // algorithm, modulus size, curve
        secret = SecretBytes.adopt(key.export({ type: "pkcs8", format: "der" }));
        publicKey = publicKeyFromPrivate(asym, secret);
        if (!pairwiseConsistent(asym, key, publicKey)) {
          secret.dispose();
          throw invalidMaterial(spec);
        }
      }
    } catch (e) {
      if (e instanceof KeyImportError) throw e;
      throw invalidMaterial(spec);
    }
    return { secret, publicKey, materialId: importedMaterialId(keyId, publicKey) };
  } finally {
    if (!keep) material.dispose();
  }
}

const MATERIAL_ID_LABEL = "trent/imported-key-material-id/v1\0";

/**
 * The KeyMaterialId of imported material: HMAC-SHA256 keyed by the material (the raw key, or the
 * public key of a key pair) over the KMS key id. The same material imported into the same key
 * always gets the same id, so a ciphertext that names it decrypts again after a re-import; the id
 * reveals nothing about the material.
 */
export function importedMaterialId(keyId: string, identity: Uint8Array): string {
  return createHmac("sha256", identity).update(MATERIAL_ID_LABEL).update(keyId, "utf8").digest("hex");
}
