import { KmsError } from "../../domain/errors.js";
import type { KeyRecord } from "../../domain/key-record.js";
import type { ConditionValue } from "../../policy/authorizer.js";
import type { OpContext } from "../context.js";
import { encryptionAlgorithmFor } from "./algorithm.js";
import { resolveKey } from "./resolve-key.js";
import { invalidCiphertext, keyIdOfCiphertext } from "./symmetric.js";
import { checkKeyForUse, withRequestAlias } from "./use-key.js";

/**
 * Finds the key that must decrypt a ciphertext (Decrypt, ReEncrypt source). A symmetric blob
 * names its key; a KeyId in the request must then name the same key (IncorrectKeyException).
 * A blob that names no key of ours is InvalidCiphertextException, whatever the reason.
 */
export async function keyForCiphertext(
  ctx: OpContext,
  blob: Uint8Array,
  keyIdParam: string | undefined,
  opts: { operation: string; action: string; conditions: Readonly<Record<string, ConditionValue>> },
): Promise<KeyRecord> {
  const blobKeyId = keyIdOfCiphertext(blob);
  let requested: KeyRecord | undefined;
  if (keyIdParam !== undefined) requested = await resolveKey(ctx, keyIdParam, { allowAlias: true });
  if (blobKeyId === undefined) {
    if (requested === undefined) throw invalidCiphertext();
    // Not a symmetric blob: only an asymmetric key named in the request could decrypt it.
    if (requested.keySpec === "SYMMETRIC_DEFAULT") throw invalidCiphertext();
    return checkKeyForUse(ctx, requested, withRequestAlias({ ...opts, usage: "ENCRYPT_DECRYPT" }, keyIdParam));
  }
  if (requested !== undefined && requested.keyId !== blobKeyId) {
    throw new KmsError(
      "IncorrectKeyException",
      "The key ID in the request does not identify a CMK that can perform this operation.",
    );
  }
  const key = await ctx.store.getKey(blobKeyId);
  if (key === undefined || key.region !== ctx.caller.region) throw invalidCiphertext();
  // Without a KeyId, AWS words a denial "on the resource associated with this ciphertext".
  return checkKeyForUse(ctx, requested ?? key, requested === undefined ? { ...opts, resourceFromCiphertext: true } : withRequestAlias(opts, keyIdParam));
}

/**
 * The key that must decrypt an asymmetric ciphertext (Decrypt, ReEncrypt source with an RSAES_*
 * or SM2PKE algorithm). Such a ciphertext is plain RSA-OAEP or SM2 and names no key, so the
 * request must name it; without KeyId nothing can decrypt it (InvalidCiphertextException, as for
 * any ciphertext Trent cannot attribute). The algorithm must be one the key supports.
 */
export async function keyForAsymmetricCiphertext(
  ctx: OpContext,
  keyIdParam: string | undefined,
  algorithm: string,
  opts: { operation: string; action: string; conditions: Readonly<Record<string, ConditionValue>> },
): Promise<KeyRecord> {
  if (keyIdParam === undefined) throw invalidCiphertext();
  const key = await resolveKey(ctx, keyIdParam, { allowAlias: true });
  await checkKeyForUse(ctx, key, withRequestAlias({ ...opts, usage: "ENCRYPT_DECRYPT" }, keyIdParam));
  encryptionAlgorithmFor(key, algorithm);
  return key;
}
