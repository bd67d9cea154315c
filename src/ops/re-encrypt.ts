import type { ReEncryptRequest, ReEncryptResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { encryptionAlgorithmFor } from "./support/algorithm.js";
import { encryptionContextConditions } from "./support/conditions.js";
import { keyForCiphertext } from "./support/source-key.js";
import { requireMember } from "./support/required.js";
import { invalidCiphertext, openWithKey, sealUnderKey } from "./support/symmetric.js";
import { useKey } from "./support/use-key.js";

export async function reEncrypt(ctx: OpContext, input: ReEncryptRequest): Promise<ReEncryptResponse> {
  const sourceCheck = {
    operation: "ReEncrypt",
    action: "kms:ReEncryptFrom",
    conditions: encryptionContextConditions(input.SourceEncryptionContext),
  };
  // A dry run with IGNORE_CIPHERTEXT checks permissions and state of the named source key only.
  const ignoreCiphertext = input.DryRun === true && input.DryRunModifiers?.includes("IGNORE_CIPHERTEXT") === true;
  const blob = ignoreCiphertext ? undefined : requireMember(input.CiphertextBlob, "ciphertextBlob");
  const source =
    blob === undefined
      ? await useKey(ctx, requireMember(input.SourceKeyId, "sourceKeyId"), { ...sourceCheck, allowAlias: true })
      : await keyForCiphertext(ctx, blob, input.SourceKeyId, sourceCheck);
  const destination = await useKey(ctx, input.DestinationKeyId, {
    operation: "ReEncrypt",
    action: "kms:ReEncryptTo",
    allowAlias: true,
    usage: "ENCRYPT_DECRYPT",
    conditions: encryptionContextConditions(input.DestinationEncryptionContext),
  });
  if (input.SourceEncryptionAlgorithm !== undefined && input.SourceEncryptionAlgorithm !== "SYMMETRIC_DEFAULT") {
    throw invalidCiphertext();
  }
  const destAlg = encryptionAlgorithmFor(destination, input.DestinationEncryptionAlgorithm);
  if (destAlg !== "SYMMETRIC_DEFAULT") {
    throw new KmsError("UnsupportedOperationException", `${destAlg} is not supported by this Trent yet.`);
  }
  if (input.DryRun === true || blob === undefined) dryRunSucceeded();
  const opened = await openWithKey(ctx, source, blob, input.SourceEncryptionContext);
  try {
    const sealed = await sealUnderKey(ctx, destination, opened.plaintext, input.DestinationEncryptionContext);
    return {
      CiphertextBlob: sealed.blob,
      SourceKeyId: keyArn(source.region, source.accountId, source.keyId),
      KeyId: keyArn(destination.region, destination.accountId, destination.keyId),
      SourceEncryptionAlgorithm: "SYMMETRIC_DEFAULT",
      DestinationEncryptionAlgorithm: "SYMMETRIC_DEFAULT",
      SourceKeyMaterialId: opened.materialId,
      DestinationKeyMaterialId: sealed.materialId,
    };
  } finally {
    opened.plaintext.dispose();
  }
}
