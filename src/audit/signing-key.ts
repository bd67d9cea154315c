import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { link, mkdir, open, readFile, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { SecretBytes } from "../crypto/secret-bytes.js";
import type { Keystore } from "../keystore/keystore.js";
import { canonicalJson, sha256Hex } from "./hash-chain.js";

/**
 * The Trent audit signing key: an Ed25519 key pair generated once per data directory. The private
 * key is stored only wrapped under the root (like other key material); the public key is stored in
 * clear beside it, so that `trent audit verify` needs nothing but the data directory.
 *
 *   <dataDir>/audit/signing-key.json
 *   { format, algorithm: "Ed25519", keyId, publicKey (base64 SPKI DER), wrapped: { rootVersion, blob }, createdAt }
 */

export const SIGNING_KEY_FILE = "signing-key.json";
const FORMAT = "trent-audit-signing-key/1";

interface SigningKeyFile {
  readonly format: typeof FORMAT;
  readonly algorithm: "Ed25519";
  readonly keyId: string;
  readonly publicKey: string;
  readonly wrapped: { readonly rootVersion: string; readonly blob: string };
  readonly createdAt: string;
}

/** What verification needs. */
export interface AuditPublicKey {
  /** SHA-256 of the SPKI DER, first 16 bytes, hex: named by every digest. */
  readonly keyId: string;
  readonly key: KeyObject;
}

/** Signs digests. The private key never leaves this object. */
export interface AuditSigner {
  readonly keyId: string;
  readonly publicKey: AuditPublicKey;
  sign(data: Buffer): Buffer;
}

/** The part of the keystore the signing key needs. */
export type KeyWrapper = Pick<Keystore, "wrap" | "unwrap">;

function keyIdOf(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ format: "der", type: "spki" })).slice(0, 32);
}

/** What the wrapped private key is bound to (its key id). */
export function signingKeyBinding(keyId: string): Buffer {
  return Buffer.from(`trent/audit-signing-key/v1/${keyId}`, "utf8");
}

function signerFor(privateKey: KeyObject, publicKey: AuditPublicKey): AuditSigner {
  return {
    keyId: publicKey.keyId,
    publicKey,
    sign: (data) => sign(null, data, privateKey),
  };
}

/** A signer that lives only in memory (tests, tools). */
export function ephemeralAuditSigner(): AuditSigner {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return signerFor(privateKey, { keyId: keyIdOf(publicKey), key: publicKey });
}

/**
 * Loads the signing key of `auditDirectory`, unwrapping it with `keystore`; creates it (and the
 * directory) on first use. Fails if the file exists but cannot be unwrapped: a different root,
 * a sealed keystore, or a tampered file.
 */
export async function loadOrCreateAuditSigningKey(auditDirectory: string, keystore: KeyWrapper): Promise<AuditSigner> {
  const path = join(auditDirectory, SIGNING_KEY_FILE);
  const existing = await readKeyFile(path);
  if (existing !== undefined) return unwrapSigner(existing, keystore);
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const keyId = keyIdOf(publicKey);
  const der = SecretBytes.adopt(privateKey.export({ format: "der", type: "pkcs8" }));
  let wrapped;
  try {
    wrapped = await keystore.wrap(der, signingKeyBinding(keyId));
  } finally {
    der.dispose();
  }
  const file: SigningKeyFile = {
    format: FORMAT,
    algorithm: "Ed25519",
    keyId,
    publicKey: publicKey.export({ format: "der", type: "spki" }).toString("base64"),
    wrapped: { rootVersion: wrapped.rootVersion, blob: wrapped.blob.toString("base64") },
    createdAt: new Date().toISOString(),
  };
  if (!(await createExclusively(path, `${JSON.stringify(file, null, 2)}\n`))) {
    // Another process created it first: use theirs.
    const theirs = await readKeyFile(path);
    if (theirs === undefined) throw new Error(`${path} vanished while being created`);
    return unwrapSigner(theirs, keystore);
  }
  return signerFor(privateKey, { keyId, key: publicKey });
}

/** The public half, read from `auditDirectory` without the keystore. */
export async function readAuditPublicKey(auditDirectory: string): Promise<AuditPublicKey> {
  const path = join(auditDirectory, SIGNING_KEY_FILE);
  const file = await readKeyFile(path);
  if (file === undefined) throw new Error(`no audit signing key at ${path}`);
  return publicKeyOf(file, path);
}

function publicKeyOf(file: SigningKeyFile, path: string): AuditPublicKey {
  const key = createPublicKey({ key: Buffer.from(file.publicKey, "base64"), format: "der", type: "spki" });
  if (key.asymmetricKeyType !== "ed25519" || keyIdOf(key) !== file.keyId) {
    throw new Error(`${path}: the public key does not match its key id`);
  }
  return { keyId: file.keyId, key };
}

async function unwrapSigner(file: SigningKeyFile, keystore: KeyWrapper): Promise<AuditSigner> {
  const publicKey = publicKeyOf(file, SIGNING_KEY_FILE);
  const secret = await keystore.unwrap(
    { rootVersion: file.wrapped.rootVersion, blob: Buffer.from(file.wrapped.blob, "base64") },
    signingKeyBinding(file.keyId),
  );
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: secret.expose(), format: "der", type: "pkcs8" });
  } finally {
    secret.dispose();
  }
  if (keyIdOf(createPublicKey(privateKey)) !== file.keyId) throw new Error("the audit signing key does not match its public key");
  return signerFor(privateKey, publicKey);
}

async function readKeyFile(path: string): Promise<SigningKeyFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const f = JSON.parse(text) as Partial<SigningKeyFile>;
  if (
    f.format !== FORMAT ||
    f.algorithm !== "Ed25519" ||
    typeof f.keyId !== "string" ||
    typeof f.publicKey !== "string" ||
    typeof f.wrapped?.rootVersion !== "string" ||
    typeof f.wrapped.blob !== "string"
  ) {
    throw new Error(`${path} is not a Trent audit signing key file`);
  }
  return f as SigningKeyFile;
}

/** Writes `text` to `path` durably unless the file exists; false when it already did. */
async function createExclusively(path: string, text: string): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fh = await open(tmp, "wx", 0o600);
  try {
    await fh.writeFile(text, "utf8");
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  const dfh = await open(dirname(path), "r");
  try {
    await dfh.sync();
  } finally {
    await dfh.close();
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Digests
// ---------------------------------------------------------------------------------------------

/** What a digest line signs. It covers lines fromSeq..toSeq; lastHash is the hash of toSeq. */
export interface DigestFields {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly lastHash: string;
  readonly signedAt: string;
  /** The writer's digest interval: at most this many event/intent lines follow before the next digest. */
  readonly interval: number;
  readonly keyId: string;
}

export interface DigestBody extends DigestFields {
  /** Ed25519 over digestPayload(fields), base64. */
  readonly signature: string;
}

export function digestPayload(d: DigestFields): Buffer {
  const fields = {
    fromSeq: d.fromSeq,
    toSeq: d.toSeq,
    lastHash: d.lastHash,
    signedAt: d.signedAt,
    interval: d.interval,
    keyId: d.keyId,
  };
  return Buffer.from(`trent-audit-digest/1\n${canonicalJson(fields)}`, "utf8");
}

export function signDigest(signer: AuditSigner, fields: Omit<DigestFields, "keyId">): DigestBody {
  const full: DigestFields = { ...fields, keyId: signer.keyId };
  return { ...full, signature: signer.sign(digestPayload(full)).toString("base64") };
}

export function digestSignatureValid(publicKey: AuditPublicKey, d: DigestBody): boolean {
  if (d.keyId !== publicKey.keyId) return false;
  try {
    return verify(null, digestPayload(d), publicKey.key, Buffer.from(d.signature, "base64"));
  } catch {
    return false;
  }
}

/** Reads a digest body from a parsed line body; undefined when malformed. */
export function asDigestBody(body: Readonly<Record<string, unknown>>): DigestBody | undefined {
  const d = body["digest"];
  if (typeof d !== "object" || d === null) return undefined;
  const r = d as Record<string, unknown>;
  const { fromSeq, toSeq, lastHash, signedAt, interval, keyId, signature } = r;
  if (
    typeof fromSeq !== "number" ||
    typeof toSeq !== "number" ||
    typeof lastHash !== "string" ||
    typeof signedAt !== "string" ||
    typeof interval !== "number" ||
    typeof keyId !== "string" ||
    typeof signature !== "string"
  ) {
    return undefined;
  }
  return { fromSeq, toSeq, lastHash, signedAt, interval, keyId, signature };
}
