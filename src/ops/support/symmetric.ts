import { keyIdOfSymmetricBlob, parseSymmetricBlob } from "../../crypto/ciphertext-blob.js";
import type { EncryptionContext } from "../../crypto/encryption-context.js";
import type { SecretBytes } from "../../crypto/secret-bytes.js";
import { openSymmetric, sealSymmetric } from "../../crypto/symmetric.js";
import { inCustomKeyStore } from "../../domain/custom-key-store.js";
import { KmsError } from "../../domain/errors.js";
import type { KeyRecord } from "../../domain/key-record.js";
import type { OpContext } from "../context.js";
import type { CustomKeyStores } from "./custom-key-stores.js";
import { openXks, sealXks } from "./xks-crypto.js";

export interface SealedBlob {
  readonly blob: Buffer;
  readonly materialId: string;
}

/** Encrypts under the key's current material (the newest backing-key version). */
export async function sealUnderKey(
  ctx: OpContext,
  key: KeyRecord,
  plaintext: SecretBytes,
  encryptionContext: EncryptionContext | undefined,
): Promise<SealedBlob> {
  // A key in an external key store: double encryption, the outer layer at its XKS proxy (format 0x03).
  if (inCustomKeyStore(key) && key.origin === "EXTERNAL_KEY_STORE") return sealXks(ctx, key, plaintext, encryptionContext);
  // A key in a custom key store: AES-GCM inside its token (ciphertext format 0x02).
  if (inCustomKeyStore(key)) return hsm(ctx).seal(key, plaintext, encryptionContext, ctx.random);
  const m = await ctx.materials.current(key);
  const blob = sealSymmetric({
    backingKey: m.secret,
    keyId: key.keyId,
    materialId: m.materialId,
    plaintext,
    encryptionContext,
    random: ctx.random,
  });
  return { blob, materialId: m.materialId };
}

/** The key id a symmetric ciphertext names (either format), or undefined when it is not one of ours. */
export function keyIdOfCiphertext(blob: Uint8Array): string | undefined {
  return keyIdOfSymmetricBlob(blob);
}

function hsm(ctx: OpContext): CustomKeyStores {
  if (ctx.customKeyStores === undefined) throw new KmsError("KMSInternalException", "Custom key stores are not available in this process.");
  return ctx.customKeyStores;
}

export function invalidCiphertext(): KmsError {
  return new KmsError("InvalidCiphertextException", "");
}

/**
 * Decrypts a symmetric blob with a key already resolved, authorized and state-checked.
 * Every failure is the same InvalidCiphertextException: no oracle.
 */
export async function openWithKey(
  ctx: OpContext,
  key: KeyRecord,
  blob: Uint8Array,
  encryptionContext: EncryptionContext | undefined,
): Promise<{ plaintext: SecretBytes; materialId: string }> {
  if (inCustomKeyStore(key) && key.origin === "EXTERNAL_KEY_STORE") return openXks(ctx, key, blob, encryptionContext);
  if (inCustomKeyStore(key)) return hsm(ctx).open(key, blob, encryptionContext);
  const parsed = parseSymmetricBlob(blob);
  if (parsed === undefined || parsed.keyId !== key.keyId || key.keySpec !== "SYMMETRIC_DEFAULT") throw invalidCiphertext();
  const material = await ctx.materials.get(key.keyId, parsed.materialId);
  if (material === undefined) throw invalidCiphertext();
  const plaintext = openSymmetric(parsed, material, encryptionContext);
  if (plaintext === undefined) throw invalidCiphertext();
  return { plaintext, materialId: parsed.materialId };
}
