import { operations } from "../generated/kms-model.js";
import type { OperationIO, OperationName } from "../generated/kms-types.js";
import type { OpContext } from "./context.js";
import { cancelKeyDeletion } from "./cancel-key-deletion.js";
import { createAlias } from "./create-alias.js";
import { createKey } from "./create-key.js";
import { decrypt } from "./decrypt.js";
import { deleteAlias } from "./delete-alias.js";
import { decapsulate } from "./decapsulate.js";
import { deriveSharedSecret } from "./derive-shared-secret.js";
import { encapsulate } from "./encapsulate.js";
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
import { getKeyLastUsage } from "./get-key-last-usage.js";
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
import { createGrant } from "./create-grant.js";
import { listGrants } from "./list-grants.js";
import { listRetirableGrants } from "./list-retirable-grants.js";
import { retireGrant } from "./retire-grant.js";
import { revokeGrant } from "./revoke-grant.js";
import { checkGrantTokens } from "./support/grants.js";
import { deleteImportedKeyMaterial } from "./delete-imported-key-material.js";
import { getParametersForImport } from "./get-parameters-for-import.js";
import { importKeyMaterial } from "./import-key-material.js";
import { connectCustomKeyStore } from "./connect-custom-key-store.js";
import { createCustomKeyStore } from "./create-custom-key-store.js";
import { deleteCustomKeyStore } from "./delete-custom-key-store.js";
import { describeCustomKeyStores } from "./describe-custom-key-stores.js";
import { disconnectCustomKeyStore } from "./disconnect-custom-key-store.js";
import { updateCustomKeyStore } from "./update-custom-key-store.js";

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
  GetKeyLastUsage: getKeyLastUsage,
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
  Encapsulate: encapsulate,
  Decapsulate: decapsulate,
  CreateGrant: createGrant,
  ListGrants: listGrants,
  ListRetirableGrants: listRetirableGrants,
  RetireGrant: retireGrant,
  RevokeGrant: revokeGrant,
  GetParametersForImport: getParametersForImport,
  ImportKeyMaterial: importKeyMaterial,
  DeleteImportedKeyMaterial: deleteImportedKeyMaterial,
  // Custom key stores: AWS_CLOUDHSM (PKCS#11 tokens) and EXTERNAL_KEY_STORE (an XKS proxy over
  // PUBLIC_ENDPOINT; VPC_ENDPOINT_SERVICE answers UnsupportedOperationException from inside them).
  CreateCustomKeyStore: createCustomKeyStore,
  DescribeCustomKeyStores: describeCustomKeyStores,
  UpdateCustomKeyStore: updateCustomKeyStore,
  DeleteCustomKeyStore: deleteCustomKeyStore,
  ConnectCustomKeyStore: connectCustomKeyStore,
  DisconnectCustomKeyStore: disconnectCustomKeyStore,
};

/**
 * Operations that take GrantTokens validate them first (InvalidGrantTokenException for a token
 * Trent did not issue or whose grant is gone), whatever else they do.
 */
function withGrantTokens<O extends OperationName>(handler: Handler<O> | undefined): Handler<O> | undefined {
  if (handler === undefined) return undefined;
  return async (ctx, input) => {
    await checkGrantTokens(ctx, (input as { readonly GrantTokens?: readonly string[] }).GrantTokens);
    return handler(ctx, input);
  };
}

/** The operations whose input has GrantTokens (registry.test.ts checks this against the model). */
export const TAKES_GRANT_TOKENS = [
  "CreateGrant", "Decapsulate", "Decrypt", "DeriveSharedSecret", "DescribeKey", "Encapsulate", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext", "GenerateDataKeyWithoutPlaintext", "GenerateMac", "GetPublicKey", "ReEncrypt",
  "Sign", "Verify", "VerifyMac",
] as const satisfies readonly OperationName[];

for (const op of TAKES_GRANT_TOKENS) {
  const table = OPERATIONS as Record<string, Handler<typeof op> | undefined>;
  table[op] = withGrantTokens(table[op]);
}

/**
 * Operations of the model Trent answers with UnsupportedOperationException, and why. The README's
 * not-implemented list is this table; a test fails when an operation is in neither list.
 *
 * Parts of implemented operations that also answer UnsupportedOperationException (the README lists
 * them too): external key stores with XksProxyConnectivity VPC_ENDPOINT_SERVICE (PUBLIC_ENDPOINT
 * ones are implemented), GenerateRandom with an external key store's CustomKeyStoreId, multi-Region
 * keys (CreateKey MultiRegion), Recipient (Nitro Enclaves attestation).
 */
export const NOT_IMPLEMENTED: { readonly [O in OperationName]?: string } = {
  ReplicateKey: "multi-Region keys are not supported: one Trent deployment serves each region on its own",
  UpdatePrimaryRegion: "multi-Region keys are not supported: one Trent deployment serves each region on its own",
};

export function isOperationName(name: string): name is OperationName {
  return Object.prototype.hasOwnProperty.call(operations, name);
}
