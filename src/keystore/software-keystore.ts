import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { KeystoreError, type Keystore, type KeystoreStatus, type WrappedKey } from "./keystore.js";

const WRAP_AAD_PREFIX = Buffer.from("trent/v1/wrap\0", "utf8");
const IV_LEN = 12;
const TAG_LEN = 16;

interface RootFile {
  format: "trent-software-root/1";
  current: string;
  versions: { id: string; createdAt: string; key: string }[];
}

/** AES-256-GCM wrap: blob = iv || tag || ciphertext; AAD = prefix || binding. */
export function wrapWithKey(root: SecretBytes, material: SecretBytes, binding: Uint8Array): Buffer {
  const iv = randomBytes(IV_LEN);
  const c = createCipheriv("aes-256-gcm", root.expose(), iv, { authTagLength: TAG_LEN });
  c.setAAD(Buffer.concat([WRAP_AAD_PREFIX, binding]));
  const ct = Buffer.concat([c.update(material.expose()), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), ct]);
}

export function unwrapWithKey(root: SecretBytes, blob: Buffer, binding: Uint8Array): SecretBytes | undefined {
  if (blob.length < IV_LEN + TAG_LEN) return undefined;
  try {
    const d = createDecipheriv("aes-256-gcm", root.expose(), blob.subarray(0, IV_LEN), { authTagLength: TAG_LEN });
    d.setAAD(Buffer.concat([WRAP_AAD_PREFIX, binding]));
    d.setAuthTag(blob.subarray(IV_LEN, IV_LEN + TAG_LEN));
    return SecretBytes.adopt(Buffer.concat([d.update(blob.subarray(IV_LEN + TAG_LEN)), d.final()]));
  } catch {
    return undefined;
  }
}

/** Writes a file atomically (temp file, fsync, rename) with mode 0600. */
export function writeFileDurably(path: string, data: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dirname(path), "r");
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/**
 * Software root of trust: root-key versions kept in `<dataDir>/root-key.json` (mode 0600),
 * created at first start. For development and for single-node use where the disk is trusted;
 * production deployments seal the root (Shamir) or keep it in an HSM.
 */
export class SoftwareKeystore implements Keystore {
  readonly #path: string | undefined;
  readonly #roots = new Map<string, SecretBytes>();
  #current: string;
  #file: RootFile;

  private constructor(path: string | undefined, file: RootFile) {
    this.#path = path;
    this.#file = file;
    this.#current = file.current;
    for (const v of file.versions) this.#roots.set(v.id, SecretBytes.adopt(Buffer.from(v.key, "base64")));
    // The parsed file keeps no key text beyond this point.
    this.#file = { ...file, versions: file.versions.map((v) => ({ ...v, key: "" })) };
  }

  /** Opens the root file in `dataDir`, creating it (and a first root version) when absent. */
  static open(dataDir: string): SoftwareKeystore {
    const path = join(dataDir, "root-key.json");
    if (!existsSync(path)) {
      const file = SoftwareKeystore.#newFile();
      writeFileDurably(path, JSON.stringify(file));
      return new SoftwareKeystore(path, file);
    }
    const parsed = JSON.parse(readFileSync(path, "utf8")) as RootFile;
    if (parsed.format !== "trent-software-root/1" || !parsed.versions.some((v) => v.id === parsed.current)) {
      throw new Error(`${path} is not a Trent software root file`);
    }
    return new SoftwareKeystore(path, parsed);
  }

  /** A keystore that lives only in memory (unit tests). */
  static ephemeral(): SoftwareKeystore {
    return new SoftwareKeystore(undefined, SoftwareKeystore.#newFile());
  }

  static #newFile(): RootFile {
    const id = randomUUID();
    return {
      format: "trent-software-root/1",
      current: id,
      versions: [{ id, createdAt: new Date().toISOString(), key: randomBytes(32).toString("base64") }],
    };
  }

  status(): KeystoreStatus {
    return { kind: "software", sealed: false, rootVersion: this.#current };
  }

  async wrap(material: SecretBytes, binding: Uint8Array): Promise<WrappedKey> {
    const root = this.#roots.get(this.#current);
    if (root === undefined) throw new KeystoreError("unknown-root-version", "current root version missing");
    return { rootVersion: this.#current, blob: wrapWithKey(root, material, binding) };
  }

  async unwrap(wrapped: WrappedKey, binding: Uint8Array): Promise<SecretBytes> {
    const root = this.#roots.get(wrapped.rootVersion);
    if (root === undefined) throw new KeystoreError("unknown-root-version", "root version not available");
    const out = unwrapWithKey(root, wrapped.blob, binding);
    if (out === undefined) throw new KeystoreError("unwrap-failed", "wrapped key failed authentication");
    return out;
  }

  async rotateRoot(): Promise<string> {
    const id = randomUUID();
    const key = randomBytes(32);
    this.#persist({
      format: "trent-software-root/1",
      current: id,
      versions: [...this.#versionsWithKeys(), { id, createdAt: new Date().toISOString(), key: key.toString("base64") }],
    });
    this.#roots.set(id, SecretBytes.adopt(key));
    this.#current = id;
    return id;
  }

  rootVersions(): readonly string[] {
    return [...this.#roots.keys()];
  }

  async retireRootVersion(version: string): Promise<void> {
    if (version === this.#current) throw new Error("cannot retire the current root version");
    const versions = this.#versionsWithKeys().filter((v) => v.id !== version);
    this.#persist({ format: "trent-software-root/1", current: this.#current, versions });
    this.#roots.get(version)?.dispose();
    this.#roots.delete(version);
  }

  async close(): Promise<void> {
    for (const r of this.#roots.values()) r.dispose();
    this.#roots.clear();
  }

  #versionsWithKeys(): RootFile["versions"] {
    return this.#file.versions
      .filter((v) => this.#roots.has(v.id))
      .map((v) => ({ ...v, key: (this.#roots.get(v.id) as SecretBytes).expose().toString("base64") }));
  }

  #persist(file: RootFile): void {
    if (this.#path !== undefined) writeFileDurably(this.#path, JSON.stringify(file));
    this.#file = { ...file, versions: file.versions.map((v) => ({ ...v, key: "" })) };
  }
}
