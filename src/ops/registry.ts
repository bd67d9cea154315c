import { operations } from "../generated/kms-model.js";
import type { OperationIO, OperationName } from "../generated/kms-types.js";
import type { OpContext } from "./context.js";
import { cancelKeyDeletion } from "./cancel-key-deletion.js";
import { createAlias } from "./create-alias.js";
import { createKey } from "./create-key.js";
import { decrypt } from "./decrypt.js";
import { deleteAlias } from "./delete-alias.js";
import { deriveSharedSecret } from "./derive-shared-secret.js";
import { describeKey } from "./describe-key.js";
import { disableKey } from "./disable-key.js";
import { enableKey } from "./enable-key.js";
import { encrypt } from "./encrypt.js";
import { generateDataKey } from "./generate-data-key.js";
import { generateDataKeyPair } from "./generate-data-key-pair.js";
import { generateDataKeyPairWithoutPlaintext } from "./generate-data-key-pair-without-plaintext.js";
import { generateDataKeyWithoutPlaintext } from "./generate-data-key-without-plaintext.js";
import { generateMac } from "./generate-mac.js";
import { generateRandom } from "./generate-random.js";
import { getKeyPolicy } from "./get-key-policy.js";
import { getPublicKey } from "./get-public-key.js";
import { listAliases } from "./list-aliases.js";
import { listKeyPolicies } from "./list-key-policies.js";
import { listKeys } from "./list-keys.js";
import { listResourceTags } from "./list-resource-tags.js";
import { putKeyPolicy } from "./put-key-policy.js";
import { reEncrypt } from "./re-encrypt.js";
import { scheduleKeyDeletion } from "./schedule-key-deletion.js";
import { sign } from "./sign.js";
import { tagResource } from "./tag-resource.js";
import { untagResource } from "./untag-resource.js";
import { updateAlias } from "./update-alias.js";
import { disableKeyRotation } from "./disable-key-rotation.js";
import { enableKeyRotation } from "./enable-key-rotation.js";
import { getKeyRotationStatus } from "./get-key-rotation-status.js";
import { listKeyRotations } from "./list-key-rotations.js";
import { rotateKeyOnDemand } from "./rotate-key-on-demand.js";
import { updateKeyDescription } from "./update-key-description.js";
import { verify } from "./verify.js";
import { verifyMac } from "./verify-mac.js";

export type Handler<O extends OperationName> = (
  ctx: OpContext,
  input: OperationIO[O]["input"],
) => Promise<OperationIO[O]["output"]>;

/** Every operation Trent implements. */
export const OPERATIONS: { readonly [O in OperationName]?: Handler<O> } = {
  CancelKeyDeletion: cancelKeyDeletion,
  CreateAlias: createAlias,
  CreateKey: createKey,
  Decrypt: decrypt,
  DeleteAlias: deleteAlias,
  DescribeKey: describeKey,
  DisableKey: disableKey,
  EnableKey: enableKey,
  Encrypt: encrypt,
  GenerateDataKey: generateDataKey,
  GenerateDataKeyWithoutPlaintext: generateDataKeyWithoutPlaintext,
  GenerateRandom: generateRandom,
  GetKeyPolicy: getKeyPolicy,
  ListAliases: listAliases,
  ListKeyPolicies: listKeyPolicies,
  ListKeys: listKeys,
  ListResourceTags: listResourceTags,
  PutKeyPolicy: putKeyPolicy,
  ReEncrypt: reEncrypt,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateAlias: updateAlias,
  UpdateKeyDescription: updateKeyDescription,
  RotateKeyOnDemand: rotateKeyOnDemand,
  ListKeyRotations: listKeyRotations,
  GetKeyRotationStatus: getKeyRotationStatus,
  EnableKeyRotation: enableKeyRotation,
  DisableKeyRotation: disableKeyRotation,
  GetPublicKey: getPublicKey,
  Sign: sign,
  Verify: verify,
  GenerateMac: generateMac,
  VerifyMac: verifyMac,
  GenerateDataKeyPair: generateDataKeyPair,
  GenerateDataKeyPairWithoutPlaintext: generateDataKeyPairWithoutPlaintext,
  DeriveSharedSecret: deriveSharedSecret,
};

/**
 * Operations of the model Trent answers with UnsupportedOperationException, and why. The README's
 * not-implemented list is this table; a test fails when an operation is in neither list.
 */
export const NOT_IMPLEMENTED: { readonly [O in OperationName]?: string } = {
  ConnectCustomKeyStore: "custom key stores are not implemented yet",
  CreateCustomKeyStore: "custom key stores are not implemented yet",
  DeleteCustomKeyStore: "custom key stores are not implemented yet",
  DescribeCustomKeyStores: "custom key stores are not implemented yet",
  DisconnectCustomKeyStore: "custom key stores are not implemented yet",
  UpdateCustomKeyStore: "custom key stores are not implemented yet",
  CreateGrant: "grants are not implemented yet",
  ListGrants: "grants are not implemented yet",
  ListRetirableGrants: "grants are not implemented yet",
  RetireGrant: "grants are not implemented yet",
  RevokeGrant: "grants are not implemented yet",
  DeleteImportedKeyMaterial: "key import is not implemented yet",
  GetParametersForImport: "key import is not implemented yet",
  ImportKeyMaterial: "key import is not implemented yet",
  ReplicateKey: "multi-Region keys are not supported: one Trent deployment serves each region on its own",
  UpdatePrimaryRegion: "multi-Region keys are not supported: one Trent deployment serves each region on its own",
  Encapsulate: "ML-KEM keys are not implemented yet",
  Decapsulate: "ML-KEM keys are not implemented yet",
  GetKeyLastUsage: "key last-usage tracking is not implemented yet",
};

export function isOperationName(name: string): name is OperationName {
  return Object.prototype.hasOwnProperty.call(operations, name);
}
