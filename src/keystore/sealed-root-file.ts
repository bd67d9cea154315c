import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { SecretBytes } from "../crypto/secret-bytes.js";
import type { Pkcs11Token } from "./pkcs11-token.js";
import { newShareSetId } from "./shamir.js";

/**
 * Files of the sealed keystore. sealed-root.json: the share-set description in clear and the
 * root versions AES-256-GCM-encrypted under the unseal key (the AAD binds the share-set
 * description). auto-unseal.json: the unseal key encrypted by a token AES key (AES-GCM inside the
 * token, the share-set id as AAD).
 */

export const IV_LEN = 12;
export const TAG_LEN = 16;
export const KEY_LEN = 32;

export interface ShareSetRecord {
  id: string;
  shares: number;
  threshold: number;
  createdAt: string;
}

export interface SealedRootFile {
  format: "trent-sealed-root/1";
  shareSet: ShareSetRecord;
  /** AES-256-GCM under the unseal key of the encoded root versions: iv, ciphertext || tag (base64). */
  root: { iv: string; ciphertext: string };
}

export interface AutoUnsealFile {
  format: "trent-auto-unseal/1";
  tokenKeyLabel: string;
  shareSetId: string;
  /** AES-GCM, inside the token, of the unseal key: iv, ciphertext || tag (base64). */
  iv: string;
  ciphertext: string;
}

export interface RootVersionMeta {
  id: string;
  createdAt: string;
}

export interface RootState {
  current: string;
  versions: RootVersionMeta[];
  keys: Map<string, SecretBytes>;
}

/** The token operations auto-unseal needs (a Pkcs11Token has them). */
export type AutoUnsealToken = Pick<Pkcs11Token, "label" | "hasKey" | "generateAesKey" | "encryptGcm" | "decryptGcm">;

export interface AutoUnsealConfig {
  readonly token: AutoUnsealToken;
  /** Label of the token AES key that encrypts the unseal key; created by enableAutoUnseal when absent. */
  readonly keyLabel: string;
}

export function newShareSetRecord(counts: { readonly shares: number; readonly threshold: number }): ShareSetRecord {
  return { id: newShareSetId(), shares: counts.shares, threshold: counts.threshold, createdAt: new Date().toISOString() };
}

export function readRootFile(path: string): SealedRootFile {
  const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<SealedRootFile>;
  if (
    parsed.format !== "trent-sealed-root/1" ||
    typeof parsed.shareSet?.id !== "string" ||
    typeof parsed.root?.iv !== "string" ||
    typeof parsed.root.ciphertext !== "string"
  ) {
    throw new Error(`${path} is not a Trent sealed root file`);
  }
  return parsed as SealedRootFile;
}

/** The AAD ties the encrypted root to its share-set description. */
export function rootAad(set: ShareSetRecord): Buffer {
  return Buffer.from(`trent/v1/sealed-root\0${set.id}\0${set.shares}\0${set.threshold}`, "utf8");
}

export function autoUnsealAad(shareSetId: string): Buffer {
  return Buffer.from(`trent/v1/auto-unseal\0${shareSetId}`, "utf8");
}

/** Root payload: u32 length of the JSON metadata || metadata || 32-byte keys in metadata order. */
export function encodeRoot(root: RootState): Buffer {
  const meta = Buffer.from(JSON.stringify({ current: root.current, versions: root.versions }), "utf8");
  const head = Buffer.alloc(4);
  head.writeUInt32BE(meta.length);
  const keys = root.versions.map((v) => {
    const k = root.keys.get(v.id);
    if (k === undefined) throw new Error(`root version ${v.id} has no key`);
    return k.expose();
  });
  return Buffer.concat([head, meta, ...keys]);
}

export function decodeRoot(payload: Buffer): RootState | undefined {
  if (payload.length < 4) return undefined;
  const len = payload.readUInt32BE(0);
  if (4 + len > payload.length) return undefined;
  let meta: { current?: unknown; versions?: unknown };
  try {
    meta = JSON.parse(payload.subarray(4, 4 + len).toString("utf8")) as typeof meta;
  } catch {
    return undefined;
  }
  if (typeof meta.current !== "string" || !Array.isArray(meta.versions)) return undefined;
  const versions = meta.versions as RootVersionMeta[];
  if (payload.length !== 4 + len + versions.length * KEY_LEN || !versions.some((v) => v.id === meta.current)) return undefined;
  const keys = new Map<string, SecretBytes>();
  versions.forEach((v, i) => {
    const at = 4 + len + i * KEY_LEN;
    keys.set(v.id, SecretBytes.copyOf(payload.subarray(at, at + KEY_LEN)));
  });
  return { current: meta.current, versions: versions.map((v) => ({ id: v.id, createdAt: v.createdAt })), keys };
}

export function sealRootFile(shareSet: ShareSetRecord, root: RootState, unsealKey: SecretBytes): SealedRootFile {
  const iv = randomBytes(IV_LEN);
  const payload = encodeRoot(root);
  try {
    const c = createCipheriv("aes-256-gcm", unsealKey.expose(), iv, { authTagLength: TAG_LEN });
    c.setAAD(rootAad(shareSet));
    const ct = Buffer.concat([c.update(payload), c.final(), c.getAuthTag()]);
    return { format: "trent-sealed-root/1", shareSet, root: { iv: iv.toString("base64"), ciphertext: ct.toString("base64") } };
  } finally {
    payload.fill(0);
  }
}

/** Decrypts the root file with a candidate unseal key; undefined when it does not authenticate. */
export function openRootFile(file: SealedRootFile, unsealKey: SecretBytes): RootState | undefined {
  const iv = Buffer.from(file.root.iv, "base64");
  const data = Buffer.from(file.root.ciphertext, "base64");
  if (unsealKey.length !== KEY_LEN || iv.length !== IV_LEN || data.length < TAG_LEN) return undefined;
  let payload: Buffer;
  try {
    const d = createDecipheriv("aes-256-gcm", unsealKey.expose(), iv, { authTagLength: TAG_LEN });
    d.setAAD(rootAad(file.shareSet));
    d.setAuthTag(data.subarray(data.length - TAG_LEN));
    payload = Buffer.concat([d.update(data.subarray(0, data.length - TAG_LEN)), d.final()]);
  } catch {
    return undefined;
  }
  try {
    return decodeRoot(payload);
  } finally {
    payload.fill(0);
  }
}

export function disposeRoot(root: RootState): void {
  for (const k of root.keys.values()) k.dispose();
}

/** Encrypts the unseal key with the token key (created when absent). Nothing is written. */
export async function buildAutoUnseal(config: AutoUnsealConfig, unsealKey: SecretBytes, shareSetId: string): Promise<AutoUnsealFile> {
  if (!(await config.token.hasKey(config.keyLabel))) await config.token.generateAesKey(config.keyLabel);
  const iv = randomBytes(IV_LEN);
  const ct = await config.token.encryptGcm(config.keyLabel, iv, autoUnsealAad(shareSetId), unsealKey.expose());
  return {
    format: "trent-auto-unseal/1",
    tokenKeyLabel: config.keyLabel,
    shareSetId,
    iv: iv.toString("base64"),
    ciphertext: ct.toString("base64"),
  };
}
