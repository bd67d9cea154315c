import type { SecretBytes } from "../../crypto/secret-bytes.js";
import { keyArn } from "../../domain/arn.js";
import { KmsError } from "../../domain/errors.js";
import {
  encodeImportToken,
  importTokenBinding,
  parseImportToken,
  type ImportTokenFields,
  type TokenWrappingAlgorithm,
} from "../../domain/import-token.js";
import { materialBinding, type KeyMaterialRecord, type KeyRecord } from "../../domain/key-record.js";
import { KeystoreError, type Keystore } from "../../keystore/keystore.js";

/** Operations that need origin EXTERNAL answer this for any other key (footnote [9] of AWS's key-state table). */
export function requireExternalOrigin(key: KeyRecord): void {
  if (key.origin !== "EXTERNAL") {
    throw new KmsError(
      "UnsupportedOperationException",
      `${keyArn(key.region, key.accountId, key.keyId)} origin is ${key.origin} which is not valid for this operation.`,
    );
  }
}

function keystoreFailure(e: unknown): KmsError {
  if (e instanceof KeystoreError && e.reason === "sealed") {
    return new KmsError("KMSInternalException", "The service is sealed: submit unseal shares to use keys.");
  }
  return new KmsError("KMSInternalException", "The keystore could not wrap the key material.");
}

/** A new import token carrying `privateKey` wrapped under the root, bound to `fields`. */
export async function issueImportToken(keystore: Keystore, fields: ImportTokenFields, privateKey: SecretBytes): Promise<Buffer> {
  try {
    const wrapped = await keystore.wrap(privateKey, importTokenBinding(fields));
    return encodeImportToken(fields, wrapped);
  } catch (e) {
    throw keystoreFailure(e);
  }
}

export interface OpenedImportToken {
  readonly wrappingAlgorithm: TokenWrappingAlgorithm;
  /** The wrapping private key; the caller disposes it. */
  readonly privateKey: SecretBytes;
}

function invalidToken(): KmsError {
  return new KmsError("InvalidImportTokenException", "The import token is invalid or is associated with a different KMS key.");
}

/**
 * The wrapping private key inside a token issued for `key`. A token Trent did not issue, one that
 * was edited or belongs to another key is InvalidImportTokenException; an authentic token past
 * its ParametersValidTo is ExpiredImportTokenException.
 */
export async function openImportToken(keystore: Keystore, token: Uint8Array, key: KeyRecord, now: number): Promise<OpenedImportToken> {
  const parsed = parseImportToken(token);
  if (parsed === undefined || parsed.keyId !== key.keyId) throw invalidToken();
  let privateKey: SecretBytes;
  try {
    privateKey = await keystore.unwrap(parsed.wrapped, parsed.binding);
  } catch (e) {
    if (e instanceof KeystoreError && (e.reason === "unwrap-failed" || e.reason === "unknown-root-version")) throw invalidToken();
    throw keystoreFailure(e);
  }
  if (now > parsed.validTo) {
    privateKey.dispose();
    throw new KmsError(
      "ExpiredImportTokenException",
      "The import token has expired. Use GetParametersForImport to get a new import token and public key.",
    );
  }
  return { wrappingAlgorithm: parsed.wrappingAlgorithm, privateKey };
}

/** The store record of imported material: the secret wrapped under the root, bound to key and material id. */
export async function importedMaterialRecord(
  keystore: Keystore,
  key: KeyRecord,
  material: { readonly materialId: string; readonly secret: SecretBytes; readonly publicKey?: Buffer },
  now: number,
): Promise<KeyMaterialRecord> {
  try {
    const wrapped = await keystore.wrap(material.secret, materialBinding(key.keyId, material.materialId));
    const base: KeyMaterialRecord = { keyId: key.keyId, materialId: material.materialId, createdAt: now, wrapped, origin: "IMPORT" };
    return material.publicKey === undefined ? base : { ...base, publicKey: material.publicKey };
  } catch (e) {
    throw keystoreFailure(e);
  }
}
