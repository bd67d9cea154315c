import type { AsymmetricEncryptionAlgorithm } from "../crypto/asymmetric/index.js";
import type { SecretBytes } from "../crypto/secret-bytes.js";
import type { ReEncryptRequest, ReEncryptResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import type { KeyRecord } from "../domain/key-record.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { encryptionAlgorithmFor } from "./support/algorithm.js";
import {
  checkAsymmetricPlaintext,
  decryptWithPrivateKey,
  encryptWithPublicKey,
  rejectEncryptionContext,
} from "./support/asymmetric.js";
import { encryptionConditions } from "./support/conditions.js";
import { keyForAsymmetricCiphertext, keyForCiphertext } from "./support/source-key.js";
import { requireMember } from "./support/required.js";
import { openWithKey, sealUnderKey } from "./support/symmetric.js";
import { useKey } from "./support/use-key.js";

/**
 * Decrypts under the source key and encrypts under the destination key, without returning the
 * plaintext. Either side may be symmetric (a Trent ciphertext blob) or asymmetric (raw RSA-OAEP or
 * SM2PKE, which needs SourceKeyId and SourceEncryptionAlgorithm).
 */
export async function reEncrypt(ctx: OpContext, input: ReEncryptRequest): Promise<ReEncryptResponse> {
  const sourceCheck = {
    operation: "ReEncrypt",
    action: "kms:ReEncryptFrom",
    conditions: encryptionConditions(input.SourceEncryptionContext, input.SourceEncryptionAlgorithm),
  };
  const sourceAlg = input.SourceEncryptionAlgorithm ?? "SYMMETRIC_DEFAULT";
  // A dry run with IGNORE_CIPHERTEXT checks permissions and state of the named source key only.
  const ignoreCiphertext = input.DryRun === true && input.DryRunModifiers?.includes("IGNORE_CIPHERTEXT") === true;
  const blob = ignoreCiphertext ? undefined : requireMember(input.CiphertextBlob, "ciphertextBlob");
  let source: KeyRecord;
  if (blob === undefined) {
    source = await useKey(ctx, requireMember(input.SourceKeyId, "sourceKeyId"), { ...sourceCheck, allowAlias: true });
  } else if (sourceAlg === "SYMMETRIC_DEFAULT") {
    source = await keyForCiphertext(ctx, blob, input.SourceKeyId, sourceCheck);
  } else {
    source = await keyForAsymmetricCiphertext(ctx, input.SourceKeyId, sourceAlg, sourceCheck);
    rejectEncryptionContext(input.SourceEncryptionContext);
  }
  const destination = await useKey(ctx, input.DestinationKeyId, {
    operation: "ReEncrypt",
    action: "kms:ReEncryptTo",
    allowAlias: true,
    usage: "ENCRYPT_DECRYPT",
    conditions: encryptionConditions(input.DestinationEncryptionContext, input.DestinationEncryptionAlgorithm),
  });
  const destAlg = encryptionAlgorithmFor(destination, input.DestinationEncryptionAlgorithm);
  if (destAlg !== "SYMMETRIC_DEFAULT") rejectEncryptionContext(input.DestinationEncryptionContext);
  if (blob === undefined) dryRunSucceeded();

  const opened = await openSource(ctx, source, sourceAlg, blob, input);
  try {
    if (input.DryRun === true) {
      // Every check of the real call, the ciphertext and the destination's plaintext limit included.
      if (destAlg !== "SYMMETRIC_DEFAULT") checkAsymmetricPlaintext(destination, destAlg as AsymmetricEncryptionAlgorithm, opened.plaintext.length);
      dryRunSucceeded();
    }
    const sealed = await sealForDestination(ctx, destination, destAlg, opened.plaintext, input);
    return {
      CiphertextBlob: sealed.blob,
      SourceKeyId: keyArn(source.region, source.accountId, source.keyId),
      KeyId: keyArn(destination.region, destination.accountId, destination.keyId),
      SourceEncryptionAlgorithm: sourceAlg as NonNullable<ReEncryptResponse["SourceEncryptionAlgorithm"]>,
      DestinationEncryptionAlgorithm: destAlg as NonNullable<ReEncryptResponse["DestinationEncryptionAlgorithm"]>,
      ...(opened.materialId !== undefined ? { SourceKeyMaterialId: opened.materialId } : {}),
      ...(sealed.materialId !== undefined ? { DestinationKeyMaterialId: sealed.materialId } : {}),
    };
  } finally {
    opened.plaintext.dispose();
  }
}

async function openSource(
  ctx: OpContext,
  source: KeyRecord,
  algorithm: string,
  blob: Uint8Array,
  input: ReEncryptRequest,
): Promise<{ plaintext: SecretBytes; materialId?: string }> {
  if (algorithm === "SYMMETRIC_DEFAULT") return openWithKey(ctx, source, blob, input.SourceEncryptionContext);
  return { plaintext: await decryptWithPrivateKey(ctx, source, algorithm as AsymmetricEncryptionAlgorithm, blob) };
}

async function sealForDestination(
  ctx: OpContext,
  destination: KeyRecord,
  algorithm: string,
  plaintext: SecretBytes,
  input: ReEncryptRequest,
): Promise<{ blob: Buffer; materialId?: string }> {
  if (algorithm === "SYMMETRIC_DEFAULT") return sealUnderKey(ctx, destination, plaintext, input.DestinationEncryptionContext);
  const asymmetric = algorithm as AsymmetricEncryptionAlgorithm;
  checkAsymmetricPlaintext(destination, asymmetric, plaintext.length);
  return { blob: await encryptWithPublicKey(ctx, destination, asymmetric, plaintext) };
}
