import { assembleXksBlob, buildXksHeader, parseSymmetricBlob, parseXksBlob } from "../../crypto/ciphertext-blob.js";
import type { EncryptionContext } from "../../crypto/encryption-context.js";
import type { SecretBytes } from "../../crypto/secret-bytes.js";
import { openSymmetric, sealSymmetric } from "../../crypto/symmetric.js";
import { keyArn } from "../../domain/arn.js";
import type { CustomKeyStoreRecord } from "../../domain/custom-key-store.js";
import { KmsError } from "../../domain/errors.js";
import type { KeyRecord } from "../../domain/key-record.js";
import type { OpContext } from "../context.js";
import type { CustomKeyStores } from "./custom-key-stores.js";
import { XKS_NOT_CONNECTED_MESSAGE, xksCryptoError } from "./xks-errors.js";
import { XksProxyFailure, base64Member } from "./xks-proxy-client.js";

/**
 * Encrypt and Decrypt under a KMS key in an external key store (Origin EXTERNAL_KEY_STORE), AWS's
 * double encryption: the plaintext is sealed under the key's KMS-side material (an ordinary
 * format-0x01 blob), and that blob is encrypted by the external key at the XKS proxy (AES_GCM, AAD =
 * the format-0x03 header naming the key and the material). Decrypt reverses both, so neither the
 * proxy nor Trent alone can decrypt. Every proxy failure is KMSInvalidStateException with the
 * spec's message; a ciphertext that is not ours, or whose encryption context does not match, is
 * InvalidCiphertextException. The requestMetadata's kmsOperation is "Encrypt" or "Decrypt" (the
 * layer that calls here does not know whether the KMS operation was GenerateDataKey or ReEncrypt).
 */

type XksKey = KeyRecord & { readonly customKeyStoreId: string };

const INVALID_PROXY_PLAINTEXT =
  "The ciphertext that the external key store proxy submitted for decryption, or the encryption context, is corrupted, missing, or otherwise invalid.";

function stores(ctx: OpContext): CustomKeyStores {
  if (ctx.customKeyStores === undefined) throw new KmsError("KMSInternalException", "Custom key stores are not available in this process.");
  return ctx.customKeyStores;
}

async function connectedStore(ctx: OpContext, key: XksKey): Promise<CustomKeyStoreRecord> {
  const rec = await stores(ctx).record(key.customKeyStoreId);
  if (rec === undefined || rec.xks === undefined || rec.connectionState !== "CONNECTED") {
    throw new KmsError("KMSInvalidStateException", XKS_NOT_CONNECTED_MESSAGE);
  }
  return rec;
}

function externalKeyId(key: KeyRecord): string {
  if (key.xksKeyId === undefined) throw new KmsError("KMSInternalException", "The key has no external key id.");
  return key.xksKeyId;
}

function metadata(ctx: OpContext, key: KeyRecord, kmsOperation: string): Record<string, string> {
  return {
    awsPrincipalArn: ctx.caller.principalArn,
    kmsKeyArn: keyArn(key.region, key.accountId, key.keyId),
    kmsOperation,
    kmsRequestId: ctx.requestId,
  };
}

export async function sealXks(
  ctx: OpContext,
  key: XksKey,
  plaintext: SecretBytes,
  encryptionContext: EncryptionContext | undefined,
): Promise<{ blob: Buffer; materialId: string }> {
  const rec = await connectedStore(ctx, key);
  const m = await ctx.materials.current(key);
  const inner = sealSymmetric({ backingKey: m.secret, keyId: key.keyId, materialId: m.materialId, plaintext, encryptionContext, random: ctx.random });
  const header = buildXksHeader(key.keyId, m.materialId);
  try {
    const r = await stores(ctx).xksCall(rec, `keys/${externalKeyId(key)}/encrypt`, {
      requestMetadata: metadata(ctx, key, "Encrypt"),
      additionalAuthenticatedData: header.toString("base64"),
      plaintext: inner.toString("base64"),
      encryptionAlgorithm: "AES_GCM",
    });
    const ciphertext = base64Member(r, "ciphertext") ?? Buffer.alloc(0);
    const iv = base64Member(r, "initializationVector") ?? Buffer.alloc(0);
    const tag = base64Member(r, "authenticationTag") ?? Buffer.alloc(0);
    const meta = base64Member(r, "ciphertextMetadata", true) ?? Buffer.alloc(0);
    // AES-GCM: the ciphertext is as long as the plaintext, and is not the plaintext (a proxy
    // that echoed its input would leave only the inner layer).
    const blob = ciphertext.length === inner.length && !ciphertext.equals(inner) ? assembleXksBlob(header, iv, tag, meta, ciphertext) : undefined;
    if (blob === undefined) throw new XksProxyFailure("invalid-response");
    return { blob, materialId: m.materialId };
  } catch (e) {
    if (e instanceof XksProxyFailure) throw xksCryptoError(e);
    throw e;
  }
}

export async function openXks(
  ctx: OpContext,
  key: XksKey,
  blob: Uint8Array,
  encryptionContext: EncryptionContext | undefined,
): Promise<{ plaintext: SecretBytes; materialId: string }> {
  const parsed = parseXksBlob(blob);
  if (parsed === undefined || parsed.keyId !== key.keyId) throw new KmsError("InvalidCiphertextException", "");
  // Checked before any call: a material the key does not have is no ciphertext of this key.
  const material = await ctx.materials.get(key.keyId, parsed.materialId);
  if (material === undefined) throw new KmsError("InvalidCiphertextException", "");
  const rec = await connectedStore(ctx, key);
  let inner: Buffer;
  try {
    const r = await stores(ctx).xksCall(rec, `keys/${externalKeyId(key)}/decrypt`, {
      requestMetadata: metadata(ctx, key, "Decrypt"),
      additionalAuthenticatedData: parsed.header.toString("base64"),
      encryptionAlgorithm: "AES_GCM",
      ciphertext: parsed.ciphertext.toString("base64"),
      initializationVector: parsed.iv.toString("base64"),
      authenticationTag: parsed.tag.toString("base64"),
      ...(parsed.metadata.length > 0 ? { ciphertextMetadata: parsed.metadata.toString("base64") } : {}),
    });
    inner = base64Member(r, "plaintext") ?? Buffer.alloc(0);
    // AES-GCM: the plaintext is as long as the ciphertext.
    if (inner.length !== parsed.ciphertext.length) throw new XksProxyFailure("invalid-response");
  } catch (e) {
    if (e instanceof XksProxyFailure) throw xksCryptoError(e);
    throw e;
  }
  const innerBlob = parseSymmetricBlob(inner);
  if (innerBlob === undefined || innerBlob.keyId !== key.keyId || innerBlob.materialId !== parsed.materialId) {
    throw new KmsError("KMSInvalidStateException", INVALID_PROXY_PLAINTEXT);
  }
  const plaintext = openSymmetric(innerBlob, material, encryptionContext);
  if (plaintext === undefined) throw new KmsError("InvalidCiphertextException", "");
  return { plaintext, materialId: parsed.materialId };
}
