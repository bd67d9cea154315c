import { SecretBytes } from "../crypto/secret-bytes.js";
import { accountRootArn } from "../domain/arn.js";
import type { Keystore } from "../keystore/keystore.js";
import type { Store } from "../store/store.js";
import { accessKeyBinding } from "../api/credentials.js";

export const DEV_ACCESS_KEY_ID = "test";
export const DEV_SECRET_ACCESS_KEY = "test";

/**
 * Dev mode: one account whose root principal has the well-known access key test/test.
 * Idempotent: run at every dev start.
 */
export async function seedDevAccount(store: Store, keystore: Keystore, accountId: string, now: number): Promise<void> {
  if ((await store.getAccount(accountId)) === undefined) await store.putAccount({ accountId, createdAt: now });
  const rootArn = accountRootArn(accountId);
  if ((await store.getPrincipal(rootArn)) === undefined) {
    await store.putPrincipal({ arn: rootArn, accountId, type: "Root", name: "root", principalId: accountId, createdAt: now, policies: {} });
  }
  const existing = await store.getAccessKey(DEV_ACCESS_KEY_ID);
  if (existing !== undefined && existing.principalArn === rootArn) return;
  const secret = SecretBytes.copyOf(Buffer.from(DEV_SECRET_ACCESS_KEY, "utf8"));
  try {
    await store.putAccessKey({
      accessKeyId: DEV_ACCESS_KEY_ID,
      principalArn: rootArn,
      accountId,
      secret: await keystore.wrap(secret, accessKeyBinding(DEV_ACCESS_KEY_ID)),
      createdAt: now,
      status: "Active",
    });
  } finally {
    secret.dispose();
  }
}
