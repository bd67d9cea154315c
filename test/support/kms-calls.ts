import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  ReEncryptCommand,
  type EncryptCommandInput,
} from "@aws-sdk/client-kms";
import type { Principal } from "./authz.js";

/** Short forms of the calls the authorization tables make again and again. */

export const PLAINTEXT = Buffer.from("attack at dawn");

export function encrypt(p: Principal, keyId: string, ec?: Record<string, string>, extra: Partial<EncryptCommandInput> = {}): Promise<unknown> {
  return p.client.send(new EncryptCommand({ KeyId: keyId, Plaintext: PLAINTEXT, ...(ec !== undefined ? { EncryptionContext: ec } : {}), ...extra }));
}

export async function ciphertext(p: Principal, keyId: string, ec?: Record<string, string>): Promise<Uint8Array> {
  const r = await p.client.send(new EncryptCommand({ KeyId: keyId, Plaintext: PLAINTEXT, ...(ec !== undefined ? { EncryptionContext: ec } : {}) }));
  if (r.CiphertextBlob === undefined) throw new Error("Encrypt returned no ciphertext");
  return r.CiphertextBlob;
}

export function decrypt(p: Principal, blob: Uint8Array, keyId?: string, ec?: Record<string, string>, extra: Record<string, unknown> = {}): Promise<unknown> {
  return p.client.send(
    new DecryptCommand({
      CiphertextBlob: blob,
      ...(keyId !== undefined ? { KeyId: keyId } : {}),
      ...(ec !== undefined ? { EncryptionContext: ec } : {}),
      ...extra,
    }),
  );
}

export function describe(p: Principal, keyId: string): Promise<unknown> {
  return p.client.send(new DescribeKeyCommand({ KeyId: keyId }));
}

export function dataKey(p: Principal, keyId: string, ec?: Record<string, string>): Promise<unknown> {
  return p.client.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256", ...(ec !== undefined ? { EncryptionContext: ec } : {}) }));
}

export function reEncrypt(p: Principal, blob: Uint8Array, destination: string, ec?: Record<string, string>): Promise<unknown> {
  return p.client.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: destination, ...(ec !== undefined ? { SourceEncryptionContext: ec } : {}) }));
}
