import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { KeystoreError, type Keystore, type KeystoreStatus, type WrappedKey } from "./keystore.js";
import {
  KEY_LEN,
  autoUnsealAad,
  buildAutoUnseal,
  disposeRoot,
  newShareSetRecord,
  openRootFile,
  readRootFile,
  sealRootFile,
  type AutoUnsealConfig,
  type AutoUnsealFile,
  type RootState,
  type SealedRootFile,
  type ShareSetRecord,
} from "./sealed-root-file.js";
import { combineShares, parseShare, splitSecret, validateShareCounts, type ParsedShare } from "./shamir.js";
import { unwrapWithKey, wrapWithKey, writeFileDurably } from "./software-keystore.js";

export type { AutoUnsealConfig, AutoUnsealToken } from "./sealed-root-file.js";

/**
 * Production root of trust sealed by Shamir shares.
 *
 * `<dataDir>/sealed-root.json` holds the root-key versions (like the software root file) but
 * encrypted with AES-256-GCM under a random 256-bit unseal key. The unseal key is never written
 * anywhere: `init` splits it into N shares (any M rebuild it) and hands them out once. A process
 * starts sealed: wrap/unwrap throw KeystoreError("sealed") until M distinct shares have been
 * submitted and the key they rebuild opens the root file. `seal()` forgets everything again.
 * `rekey` replaces the shares (and the unseal key) without touching the root keys, so nothing
 * wrapped under them changes.
 *
 * Optional auto-unseal: the unseal key encrypted by an AES key inside a PKCS#11 token
 * (`<dataDir>/auto-unseal.json`), used at start when the keystore is opened with that token.
 *
 * Wrapped blobs have the software keystore's format: with the same root key, either opens the other's blobs.
 */

export const SEALED_ROOT_FILE = "sealed-root.json";
export const AUTO_UNSEAL_FILE = "auto-unseal.json";

export interface SealedKeystoreOptions {
  /** Try to unseal at open with the unseal key kept under this token key (if auto-unseal was enabled). */
  readonly autoUnseal?: AutoUnsealConfig;
}

export interface ShareCounts {
  readonly shares: number;
  readonly threshold: number;
}

export interface ShareIssue {
  readonly shareSetId: string;
  /** The share texts, trent-share-<i>-of-<n>:...; shown once, never stored. */
  readonly shares: string[];
  /** Set when the shares were issued but something beside them needs attention. */
  readonly warning?: string;
}

export interface UnsealProgress {
  readonly submitted: number;
  readonly threshold: number;
}

export interface SubmitShareResult {
  readonly sealed: boolean;
  /** False when the share was a duplicate (or the keystore was already unsealed). */
  readonly accepted: boolean;
  readonly progress: UnsealProgress;
}

export type UnsealErrorReason = "malformed-share" | "wrong-share-set" | "conflicting-share" | "reconstruction-failed";

/** A submitted share was refused. `progress` is the progress after the refusal. */
export class UnsealError extends Error {
  constructor(
    readonly reason: UnsealErrorReason,
    message: string,
    readonly progress: UnsealProgress,
  ) {
    super(message);
    this.name = "UnsealError";
  }
}

export class SealedKeystore implements Keystore {
  readonly #rootPath: string;
  readonly #autoPath: string;
  #autoUnseal: AutoUnsealConfig | undefined;
  #file: SealedRootFile;
  /** Set while unsealed. */
  #unsealKey: SecretBytes | undefined;
  #root: RootState | undefined;
  #pending: ParsedShare[] = [];
  #autoUnsealError: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(dataDir: string, file: SealedRootFile, options: SealedKeystoreOptions) {
    this.#rootPath = join(dataDir, SEALED_ROOT_FILE);
    this.#autoPath = join(dataDir, AUTO_UNSEAL_FILE);
    this.#file = file;
    this.#autoUnseal = options.autoUnseal;
  }

  static isInitialized(dataDir: string): boolean {
    return existsSync(join(dataDir, SEALED_ROOT_FILE));
  }

  /**
   * Creates the sealed root in `dataDir`: a first root version, encrypted under a fresh unseal
   * key that is split into `shares` shares with threshold `threshold`. Returns the shares; they
   * exist nowhere else. With `autoUnseal`, also stores the unseal key under that token key.
   * Refuses a directory that already has a sealed root.
   */
  static async init(dataDir: string, counts: ShareCounts, options: SealedKeystoreOptions = {}): Promise<ShareIssue> {
    validateShareCounts(counts.shares, counts.threshold);
    const rootPath = join(dataDir, SEALED_ROOT_FILE);
    if (existsSync(rootPath)) throw new Error(`${rootPath} exists: this data directory already has a sealed root`);
    const id = randomUUID();
    const root: RootState = {
      current: id,
      versions: [{ id, createdAt: new Date().toISOString() }],
      keys: new Map([[id, SecretBytes.adopt(randomBytes(KEY_LEN))]]),
    };
    const unsealKey = SecretBytes.adopt(randomBytes(KEY_LEN));
    try {
      const shareSet = newShareSetRecord(counts);
      const shares = await splitSecret(unsealKey, shareSet);
      const auto = options.autoUnseal === undefined ? undefined : await buildAutoUnseal(options.autoUnseal, unsealKey, shareSet.id);
      if (auto !== undefined) writeFileDurably(join(dataDir, AUTO_UNSEAL_FILE), JSON.stringify(auto));
      writeFileDurably(rootPath, JSON.stringify(sealRootFile(shareSet, root, unsealKey)));
      return { shareSetId: shareSet.id, shares };
    } finally {
      unsealKey.dispose();
      disposeRoot(root);
    }
  }

  /**
   * Opens the sealed root of `dataDir`, sealed. With `autoUnseal` (and auto-unseal enabled for
   * the directory) it unseals at once; if that fails it stays sealed and `autoUnsealError` says why.
   */
  static async open(dataDir: string, options: SealedKeystoreOptions = {}): Promise<SealedKeystore> {
    const rootPath = join(dataDir, SEALED_ROOT_FILE);
    if (!existsSync(rootPath)) throw new Error(`${rootPath} is missing: initialise the sealed root first`);
    const ks = new SealedKeystore(dataDir, readRootFile(rootPath), options);
    if (options.autoUnseal !== undefined) await ks.#tryAutoUnseal(options.autoUnseal);
    return ks;
  }

  /** Why auto-unseal at open did not unseal, if it was configured and did not. */
  get autoUnsealError(): string | undefined {
    return this.#autoUnsealError;
  }

  get shareSet(): Readonly<ShareSetRecord> {
    return { ...this.#file.shareSet };
  }

  get sealed(): boolean {
    return this.#root === undefined;
  }

  status(): KeystoreStatus {
    return { kind: "shamir", sealed: this.sealed, rootVersion: this.#root?.current };
  }

  unsealProgress(): UnsealProgress {
    return { submitted: this.#pending.length, threshold: this.#file.shareSet.threshold };
  }

  /**
   * Adds one share. Duplicates are ignored (accepted: false). When the threshold is reached the
   * shares are combined and the result must open the root file; if it does not, every submitted
   * share is forgotten and UnsealError("reconstruction-failed") is thrown. A malformed share, or
   * one of another share set, is refused on its own without touching the progress.
   */
  submitShare(text: string): Promise<SubmitShareResult> {
    return this.#exclusive(async () => {
      const threshold = this.#file.shareSet.threshold;
      if (!this.sealed) return { sealed: false, accepted: false, progress: { submitted: 0, threshold } };
      const share = this.#parseOwnShare(text);
      const same = this.#pending.find((p) => p.index === share.index || p.x === share.x);
      if (same !== undefined) {
        const duplicate = same.bytes.equals(share.bytes);
        share.bytes.dispose();
        if (duplicate) return { sealed: true, accepted: false, progress: this.unsealProgress() };
        this.#resetPending();
        throw new UnsealError(
          "conflicting-share",
          "a different share with the same number was already submitted; submission reset",
          this.unsealProgress(),
        );
      }
      this.#pending.push(share);
      if (this.#pending.length < threshold) return { sealed: true, accepted: true, progress: this.unsealProgress() };

      const shares = this.#pending;
      this.#pending = [];
      let candidate: SecretBytes | undefined;
      try {
        candidate = await combineShares(shares);
      } catch {
        candidate = undefined;
      } finally {
        for (const s of shares) s.bytes.dispose();
      }
      const root = candidate === undefined ? undefined : openRootFile(this.#file, candidate);
      if (candidate === undefined || root === undefined) {
        candidate?.dispose();
        throw new UnsealError(
          "reconstruction-failed",
          "the shares did not reconstruct the unseal key; submission reset",
          this.unsealProgress(),
        );
      }
      this.#unsealKey = candidate;
      this.#root = root;
      return { sealed: false, accepted: true, progress: { submitted: threshold, threshold } };
    });
  }

  /** Forgets the root keys and the unseal key at once (zeroed), and any submitted shares. */
  seal(): void {
    this.#resetPending();
    if (this.#root !== undefined) disposeRoot(this.#root);
    this.#root = undefined;
    this.#unsealKey?.dispose();
    this.#unsealKey = undefined;
  }

  /**
   * Issues a new share set (new unseal key, new counts) given at least `threshold` shares of the
   * current set. Only the root file is re-encrypted; the root keys, and so every wrapped blob,
   * stay the same. The old shares stop working. Works sealed or unsealed and leaves that state
   * as it was. If auto-unseal is enabled, the keystore must have been opened with its token.
   */
  rekey(oldShares: readonly string[], counts: ShareCounts): Promise<ShareIssue> {
    return this.#exclusive(async () => {
      validateShareCounts(counts.shares, counts.threshold);
      const autoEnabled = existsSync(this.#autoPath);
      if (autoEnabled && this.#autoUnseal === undefined) {
        throw new Error("auto-unseal is enabled: open the keystore with its token to rekey, or disable auto-unseal first");
      }
      const parsed: ParsedShare[] = [];
      let oldKey: SecretBytes | undefined;
      try {
        for (const text of oldShares) {
          const share = this.#parseOwnShare(text);
          if (parsed.some((p) => p.x === share.x && p.bytes.equals(share.bytes))) share.bytes.dispose();
          else parsed.push(share);
        }
        const progress = { submitted: 0, threshold: this.#file.shareSet.threshold };
        if (parsed.length < this.#file.shareSet.threshold) {
          throw new UnsealError("reconstruction-failed", `rekey needs ${progress.threshold} distinct shares of the current set`, progress);
        }
        try {
          oldKey = await combineShares(parsed);
        } catch {
          oldKey = undefined;
        }
        const root = oldKey === undefined ? undefined : openRootFile(this.#file, oldKey);
        if (root === undefined) {
          throw new UnsealError("reconstruction-failed", "the shares did not reconstruct the unseal key; nothing changed", progress);
        }
        const newKey = SecretBytes.adopt(randomBytes(KEY_LEN));
        try {
          const shareSet = newShareSetRecord(counts);
          const shares = await splitSecret(newKey, shareSet);
          const file = sealRootFile(shareSet, root, newKey);
          // Everything that can fail for outside reasons (the token) happens before the commit:
          // once the root file is rewritten, the new shares are the only way back in.
          const auto = autoEnabled && this.#autoUnseal !== undefined ? await buildAutoUnseal(this.#autoUnseal, newKey, shareSet.id) : undefined;
          writeFileDurably(this.#rootPath, JSON.stringify(file));
          this.#file = file;
          let warning: string | undefined;
          if (auto !== undefined) {
            try {
              writeFileDurably(this.#autoPath, JSON.stringify(auto));
            } catch (e) {
              warning = `the new shares are in force, but ${this.#autoPath} could not be rewritten (${(e as NodeJS.ErrnoException).code ?? "error"}): auto-unseal will fail until it is enabled again`;
            }
          }
          this.#resetPending();
          if (!this.sealed) {
            this.#unsealKey?.dispose();
            this.#unsealKey = SecretBytes.copyOf(newKey.expose());
          }
          return warning === undefined ? { shareSetId: shareSet.id, shares } : { shareSetId: shareSet.id, shares, warning };
        } finally {
          newKey.dispose();
          disposeRoot(root);
        }
      } finally {
        for (const p of parsed) p.bytes.dispose();
        oldKey?.dispose();
      }
    });
  }

  /** Stores the unseal key under a token key (created when absent) so that open() can unseal. Needs the keystore unsealed. */
  enableAutoUnseal(config: AutoUnsealConfig): Promise<void> {
    return this.#exclusive(async () => {
      const key = this.#requireUnsealKey();
      writeFileDurably(this.#autoPath, JSON.stringify(await buildAutoUnseal(config, key, this.#file.shareSet.id)));
      this.#autoUnseal = config;
    });
  }

  /** Removes the token-wrapped unseal key; unsealing then needs shares again. */
  disableAutoUnseal(): Promise<void> {
    return this.#exclusive(async () => {
      rmSync(this.#autoPath, { force: true });
    });
  }

  async wrap(material: SecretBytes, binding: Uint8Array): Promise<WrappedKey> {
    const root = this.#requireRoot();
    const key = root.keys.get(root.current);
    if (key === undefined) throw new KeystoreError("unknown-root-version", "current root version missing");
    return { rootVersion: root.current, blob: wrapWithKey(key, material, binding) };
  }

  async unwrap(wrapped: WrappedKey, binding: Uint8Array): Promise<SecretBytes> {
    const root = this.#requireRoot();
    const key = root.keys.get(wrapped.rootVersion);
    if (key === undefined) throw new KeystoreError("unknown-root-version", "root version not available");
    const out = unwrapWithKey(key, wrapped.blob, binding);
    if (out === undefined) throw new KeystoreError("unwrap-failed", "wrapped key failed authentication");
    return out;
  }

  rotateRoot(): Promise<string> {
    return this.#exclusive(async () => {
      const root = this.#requireRoot();
      const id = randomUUID();
      const key = SecretBytes.adopt(randomBytes(KEY_LEN));
      const next: RootState = {
        current: id,
        versions: [...root.versions, { id, createdAt: new Date().toISOString() }],
        keys: new Map([...root.keys, [id, key]]),
      };
      try {
        this.#persist(next);
      } catch (e) {
        key.dispose();
        throw e;
      }
      return id;
    });
  }

  rootVersions(): readonly string[] {
    return this.#root?.versions.map((v) => v.id) ?? [];
  }

  retireRootVersion(version: string): Promise<void> {
    return this.#exclusive(async () => {
      const root = this.#requireRoot();
      if (version === root.current) throw new Error("cannot retire the current root version");
      const retired = root.keys.get(version);
      if (retired === undefined) return;
      const keys = new Map(root.keys);
      keys.delete(version);
      this.#persist({ current: root.current, versions: root.versions.filter((v) => v.id !== version), keys });
      retired.dispose();
    });
  }

  async close(): Promise<void> {
    this.seal();
  }

  // -------------------------------------------------------------------------------------------

  /** Writes the new root state under the current unseal key, then adopts it. */
  #persist(next: RootState): void {
    const key = this.#requireUnsealKey();
    const file = sealRootFile(this.#file.shareSet, next, key);
    writeFileDurably(this.#rootPath, JSON.stringify(file));
    this.#file = file;
    this.#root = next;
  }

  #requireRoot(): RootState {
    if (this.#root === undefined) throw new KeystoreError("sealed", "the keystore is sealed");
    return this.#root;
  }

  #requireUnsealKey(): SecretBytes {
    if (this.#unsealKey === undefined) throw new KeystoreError("sealed", "the keystore is sealed");
    return this.#unsealKey;
  }

  #parseOwnShare(text: string): ParsedShare {
    let share: ParsedShare;
    try {
      share = parseShare(text);
    } catch (e) {
      throw new UnsealError("malformed-share", `share refused: ${(e as Error).message}`, this.unsealProgress());
    }
    const set = this.#file.shareSet;
    if (share.setId !== set.id) {
      share.bytes.dispose();
      throw new UnsealError(
        "wrong-share-set",
        `share refused: it belongs to share set ${share.setId}, not the current set ${set.id} (shares issued before a rekey no longer work)`,
        this.unsealProgress(),
      );
    }
    if (share.of !== set.shares) {
      share.bytes.dispose();
      throw new UnsealError("malformed-share", `share refused: the current set has ${set.shares} shares, not ${share.of}`, this.unsealProgress());
    }
    return share;
  }

  #resetPending(): void {
    for (const s of this.#pending) s.bytes.dispose();
    this.#pending = [];
  }

  async #tryAutoUnseal(config: AutoUnsealConfig): Promise<void> {
    if (!existsSync(this.#autoPath)) {
      this.#autoUnsealError = "auto-unseal is not enabled for this data directory";
      return;
    }
    let key: SecretBytes | undefined;
    try {
      const auto = JSON.parse(readFileSync(this.#autoPath, "utf8")) as AutoUnsealFile;
      if (auto.format !== "trent-auto-unseal/1") throw new Error(`${this.#autoPath} is not a Trent auto-unseal file`);
      if (auto.shareSetId !== this.#file.shareSet.id) throw new Error("the auto-unseal file belongs to another share set");
      if (auto.tokenKeyLabel !== config.keyLabel) throw new Error(`auto-unseal uses token key "${auto.tokenKeyLabel}", not "${config.keyLabel}"`);
      key = await config.token.decryptGcm(auto.tokenKeyLabel, Buffer.from(auto.iv, "base64"), autoUnsealAad(auto.shareSetId), Buffer.from(auto.ciphertext, "base64"));
      const root = key.length === KEY_LEN ? openRootFile(this.#file, key) : undefined;
      if (root === undefined) throw new Error("the token-held unseal key does not open the root file");
      this.#unsealKey = key;
      this.#root = root;
      key = undefined;
      this.#autoUnsealError = undefined;
    } catch (e) {
      this.#autoUnsealError = `auto-unseal failed: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      key?.dispose();
    }
  }

  /** Runs state changes one at a time (share submission, rekey, rotation). */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

