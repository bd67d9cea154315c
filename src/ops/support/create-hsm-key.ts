import { randomUUID } from "node:crypto";
import type { CreateKeyRequest, CreateKeyResponse } from "../../generated/kms-types.js";
import { hsmKeyLabel } from "../../domain/custom-key-store.js";
import { KmsError } from "../../domain/errors.js";
import type { KeyRecord, Tag } from "../../domain/key-record.js";
import type { KeyUsage } from "../../domain/key-spec.js";
import { toKeyMetadata } from "../../domain/key-metadata.js";
import type { OpContext } from "../context.js";
import { admitKeyPolicy } from "./admit-policy.js";
import { newKeyRecord } from "./new-key-record.js";
import { findCustomKeyStore, invalidConnectionState, requireCustomKeyStores } from "./custom-key-store-records.js";

export interface HsmKeyParameters {
  readonly spec: string;
  readonly usage: KeyUsage;
  readonly origin: string;
  readonly policy: string;
  readonly tags: readonly Tag[];
}

/**
 * CreateKey with CustomKeyStoreId (Origin AWS_CLOUDHSM), after authorization: the store must be
 * CONNECTED; the key material is generated inside the store's token as a non-extractable AES-256
 * key labelled trent-cks-<keyId>, whose CKA_ID is the key's material id. Only symmetric encryption
 * keys, as on AWS. Nothing is stored for the key but its record.
 */
export async function createKeyInCustomKeyStore(ctx: OpContext, input: CreateKeyRequest, p: HsmKeyParameters): Promise<CreateKeyResponse> {
  if (input.XksKeyId !== undefined) {
    throw new KmsError("ValidationException", "XksKeyId is valid only for KMS keys with Origin EXTERNAL_KEY_STORE.");
  }
  if (input.CustomKeyStoreId === undefined) {
    throw new KmsError("UnsupportedOperationException", "Origin AWS_CLOUDHSM requires a CustomKeyStoreId that identifies an AWS CloudHSM key store.");
  }
  if (p.origin !== "AWS_CLOUDHSM") {
    throw new KmsError(
      "UnsupportedOperationException",
      `Origin ${p.origin} is not valid with a CustomKeyStoreId: keys in an AWS CloudHSM key store have Origin AWS_CLOUDHSM.`,
    );
  }
  if (p.spec !== "SYMMETRIC_DEFAULT" || p.usage !== "ENCRYPT_DECRYPT") {
    throw new KmsError(
      "UnsupportedOperationException",
      `KeySpec ${p.spec} is not supported in a custom key store: only symmetric encryption keys (SYMMETRIC_DEFAULT) can be created there.`,
    );
  }
  const hsm = requireCustomKeyStores(ctx);
  const store = await findCustomKeyStore(ctx, input.CustomKeyStoreId);
  if (store.xks !== undefined) {
    throw new KmsError(
      "UnsupportedOperationException",
      `Custom key store ${store.customKeyStoreId} is an external key store: keys in it have Origin EXTERNAL_KEY_STORE and an XksKeyId.`,
    );
  }
  if (store.connectionState !== "CONNECTED") throw invalidConnectionState(store, "CreateKey", "CONNECTED");
  const now = ctx.now();
  const keyId = randomUUID();
  const draft = newKeyRecord(ctx, input, { ...p, origin: "AWS_CLOUDHSM" }, { keyId, createdAt: now, customKeyStoreId: store.customKeyStoreId });
  if (input.Policy !== undefined) await admitKeyPolicy(ctx, draft, input.BypassPolicyLockoutSafetyCheck === true);
  const materialId = await hsm.generateKey(store, keyId, ctx.random);
  const key: KeyRecord = { ...draft, currentMaterialId: materialId };
  try {
    await ctx.store.createKey(key, []);
  } catch (e) {
    // Leave no token object behind for a key that does not exist.
    await hsm
      .tokenFor(store)
      .then((t) => t.destroyKey(hsmKeyLabel(keyId)))
      .catch(() => undefined);
    throw e;
  }
  return { KeyMetadata: toKeyMetadata(key, store) };
}
