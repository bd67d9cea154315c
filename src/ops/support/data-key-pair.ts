import { generateDataKeyPair, type DataKeyPairSpec, type KeyPair } from "../../crypto/asymmetric/index.js";
import type { EncryptionContext } from "../../crypto/encryption-context.js";
import { KmsError } from "../../domain/errors.js";
import type { KeyRecord } from "../../domain/key-record.js";
import type { OpContext } from "../context.js";
import { dryRunSucceeded } from "../dry-run.js";
import { encryptionConditions } from "./conditions.js";
import { sealUnderKey, type SealedBlob } from "./symmetric.js";
import { useKey } from "./use-key.js";

export interface DataKeyPairRequest {
  readonly KeyId: string;
  readonly KeyPairSpec: string;
  readonly EncryptionContext?: EncryptionContext;
  readonly DryRun?: boolean;
}

export interface SealedDataKeyPair {
  readonly key: KeyRecord;
  /** The caller owns the pair and disposes its private key. */
  readonly pair: KeyPair;
  /** The PKCS#8 private key encrypted under the KMS key, with the encryption context. */
  readonly sealed: SealedBlob;
}

/**
 * GenerateDataKeyPair(WithoutPlaintext): a fresh key pair of KeyPairSpec (private key DER PKCS#8,
 * public key DER SPKI) whose private key is encrypted under a symmetric encryption KMS key, as
 * Encrypt would, so that Decrypt with the same encryption context returns it.
 */
export async function sealedDataKeyPair(
  ctx: OpContext,
  input: DataKeyPairRequest,
  operation: "GenerateDataKeyPair" | "GenerateDataKeyPairWithoutPlaintext",
): Promise<SealedDataKeyPair> {
  const key = await useKey(ctx, input.KeyId, {
    operation,
    action: `kms:${operation}`,
    allowAlias: true,
    usage: "ENCRYPT_DECRYPT",
    conditions: { ...encryptionConditions(input.EncryptionContext, undefined), "kms:DataKeyPairSpec": input.KeyPairSpec },
  });
  if (key.keySpec !== "SYMMETRIC_DEFAULT") {
    throw new KmsError("InvalidKeyUsageException", `${operation} requires a symmetric encryption KMS key.`);
  }
  if (key.customKeyStoreId !== undefined) {
    // AWS: "GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext are not supported in custom key stores."
    throw new KmsError("UnsupportedOperationException", `${operation} is not supported for KMS keys in a custom key store.`);
  }
  if (input.DryRun === true) dryRunSucceeded();
  const pair = await generateDataKeyPair(input.KeyPairSpec as DataKeyPairSpec);
  try {
    const sealed = await sealUnderKey(ctx, key, pair.privateKey, input.EncryptionContext);
    return { key, pair, sealed };
  } catch (e) {
    pair.privateKey.dispose();
    throw e;
  }
}
