import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Keystore } from "../keystore/keystore.js";
import { writeFileDurably } from "../keystore/software-keystore.js";
import { SIGNING_KEY_FILE, signingKeyBinding } from "./signing-key.js";

interface WrappedField {
  rootVersion: string;
  blob: string;
}

/** The root version the audit signing key is wrapped under, or undefined when there is no key yet. */
export async function auditSigningKeyRootVersion(auditDirectory: string): Promise<string | undefined> {
  try {
    const f = JSON.parse(await readFile(join(auditDirectory, SIGNING_KEY_FILE), "utf8")) as { wrapped?: WrappedField };
    return f.wrapped?.rootVersion;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/**
 * Re-wraps the audit signing key under the keystore's current root version (root rotation).
 * The file is replaced atomically; the key pair itself does not change, so old digests verify.
 */
export async function rewrapAuditSigningKey(auditDirectory: string, keystore: Keystore): Promise<boolean> {
  const path = join(auditDirectory, SIGNING_KEY_FILE);
  let file: Record<string, unknown> & { keyId: string; wrapped: WrappedField };
  try {
    file = JSON.parse(await readFile(path, "utf8")) as typeof file;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
  const current = keystore.status().rootVersion;
  if (current === undefined || file.wrapped.rootVersion === current) return false;
  const secret = await keystore.unwrap(
    { rootVersion: file.wrapped.rootVersion, blob: Buffer.from(file.wrapped.blob, "base64") },
    signingKeyBinding(file.keyId),
  );
  try {
    const next = await keystore.wrap(secret, signingKeyBinding(file.keyId));
    writeFileDurably(path, `${JSON.stringify({ ...file, wrapped: { rootVersion: next.rootVersion, blob: next.blob.toString("base64") } }, null, 2)}\n`);
  } finally {
    secret.dispose();
  }
  return true;
}
