import { buildHsmHeader, parseHsmBlob } from "../../crypto/ciphertext-blob.js";
import { canonicalEncryptionContext, type EncryptionContext } from "../../crypto/encryption-context.js";
import { SecretBytes } from "../../crypto/secret-bytes.js";
import { keyArn } from "../../domain/arn.js";
import {
  customKeyStorePasswordBinding,
  effectiveKeyState,
  hsmKeyLabel,
  type ConnectionErrorCode,
  type CustomKeyStoreRecord,
} from "../../domain/custom-key-store.js";
import { KmsError } from "../../domain/errors.js";
import type { KeyRecord } from "../../domain/key-record.js";
import type { KeyState } from "../../domain/key-state-table.js";
import { KeystoreError, type Keystore } from "../../keystore/keystore.js";
import { Pkcs11KeyNotFoundError, Pkcs11Token, type Pkcs11KeyAttributes, type Pkcs11TokenConfig } from "../../keystore/pkcs11-token.js";
import { RevisionConflict, type Store } from "../../store/store.js";
import type { OpContext } from "../context.js";
import { parseXksEndpoint } from "../../domain/xks-uri.js";
import { xksConnectionErrorCode } from "./xks-errors.js";
import { XksProxyFailure, callXksProxy } from "./xks-proxy-client.js";

/** A cluster id of TRENT_HSM_CLUSTERS: the PKCS#11 token that plays the CloudHSM cluster. */
export interface HsmClusterConfig {
  readonly modulePath: string;
  readonly tokenLabel: string;
}

export interface CustomKeyStoresDeps {
  readonly store: Store;
  /** Wraps and unwraps the stores' passwords (the root of trust). */
  readonly keystore: Keystore;
  /** cluster id -> token. */
  readonly clusters: Readonly<Record<string, HsmClusterConfig>>;
  /** External key store proxies may be plain http://127.0.0.1|localhost|[::1] (dev mode only). */
  readonly loopbackHttpProxies?: boolean;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** How long a store record read from the store may be used (other nodes' changes show within it). */
  readonly cacheTtlMs: number;
  /** Opens a token (tests inject failures); Pkcs11Token.open by default. */
  readonly openToken?: (config: Pkcs11TokenConfig) => Promise<Pkcs11Token>;
  /** Deadline of one XKS proxy call (XKS_CALL_TIMEOUT_MS by default). */
  readonly xksTimeoutMs?: number;
  readonly log?: (line: { level: "info" | "warn" | "error"; msg: string } & Record<string, unknown>) => void;
}

/** How a failed Pkcs11Token.open reads as AWS's ConnectionErrorCode. */
export function connectionErrorCode(e: unknown): ConnectionErrorCode {
  const text = e instanceof Error ? e.message : "";
  if (/CKR_PIN_LOCKED/.test(text)) return "USER_LOCKED_OUT";
  if (/PIN was refused|CKR_PIN_|PIN is empty/.test(text)) return "INVALID_CREDENTIALS";
  if (/no PKCS#11 token labelled|tokens are labelled/.test(text)) return "CLUSTER_NOT_FOUND";
  if (/cannot load the PKCS#11 module|C_Initialize|native binding/.test(text)) return "NETWORK_ERRORS";
  return "INTERNAL_ERROR";
}

interface CachedRecord {
  readonly record: CustomKeyStoreRecord | undefined;
  readonly until: number;
}

/**
 * The connections of custom key stores to their tokens, and the cryptography of the KMS keys in
 * them. The connection state that counts is the one stored with the custom key store (every node
 * sees it): a node that reads CONNECTED opens the token itself when it first needs it (with the
 * stored password), and closes it when it reads anything else. Store records are cached for
 * `cacheTtlMs`; this node's own changes are seen at once.
 *
 * The key material of such a KMS key is a non-extractable AES-256 token object labelled
 * `trent-cks-<keyId>`; Encrypt and Decrypt are AES-GCM inside the token (ciphertext format 0x02).
 */
export class CustomKeyStores {
  readonly #d: CustomKeyStoresDeps;
  readonly #openToken: (config: Pkcs11TokenConfig) => Promise<Pkcs11Token>;
  /** custom key store id -> open token (or the open in progress). */
  readonly #tokens = new Map<string, Promise<Pkcs11Token>>();
  readonly #records = new Map<string, CachedRecord>();
  #closed = false;

  constructor(deps: CustomKeyStoresDeps) {
    this.#d = deps;
    this.#openToken = deps.openToken ?? ((c) => Pkcs11Token.open(c));
  }

  /** Whether external key store proxies may be plain http on a loopback host (dev mode). */
  get loopbackHttpProxies(): boolean {
    return this.#d.loopbackHttpProxies === true;
  }

  /** The token a cluster id names, or undefined when the cluster is not configured. */
  cluster(clusterId: string): HsmClusterConfig | undefined {
    return Object.hasOwn(this.#d.clusters, clusterId) ? this.#d.clusters[clusterId] : undefined;
  }

  /**
   * Whether two cluster ids are "related" (AWS: share a backup history): here, configured with the
   * same token label, so they reach the same keys (the module path may differ between them).
   */
  related(a: string, b: string): boolean {
    const x = this.cluster(a);
    const y = this.cluster(b);
    return x !== undefined && y !== undefined && x.tokenLabel === y.tokenLabel;
  }

  // ---- records

  /** The store record, from the short cache or the store. */
  async record(customKeyStoreId: string): Promise<CustomKeyStoreRecord | undefined> {
    const now = this.#d.now();
    const hit = this.#records.get(customKeyStoreId);
    if (hit !== undefined && hit.until > now) return hit.record;
    const record = await this.#d.store.getCustomKeyStore(customKeyStoreId);
    this.#records.set(customKeyStoreId, { record, until: now + this.#d.cacheTtlMs });
    return record;
  }

  /** Remembers what this node just wrote (or that the record is gone). */
  remember(customKeyStoreId: string, record: CustomKeyStoreRecord | undefined): void {
    this.#records.set(customKeyStoreId, { record, until: this.#d.now() + this.#d.cacheTtlMs });
  }

  /** The key state DescribeKey and the key-state checks see (Unavailable while the store is not connected). */
  async effectiveState(key: KeyRecord): Promise<KeyState> {
    if (key.customKeyStoreId === undefined) return key.keyState;
    if (key.keyState === "PendingDeletion") return key.keyState;
    const rec = await this.record(key.customKeyStoreId);
    return effectiveKeyState(key.keyState, rec?.connectionState);
  }

  // ---- passwords

  async wrapPassword(customKeyStoreId: string, password: string): Promise<CustomKeyStoreRecord["password"]> {
    const secret = SecretBytes.adopt(Buffer.from(password, "utf8"));
    try {
      return await this.#d.keystore.wrap(secret, customKeyStorePasswordBinding(customKeyStoreId));
    } catch {
      throw new KmsError("KMSInternalException", "The key store password could not be protected by the keystore.");
    } finally {
      secret.dispose();
    }
  }

  async #password(rec: CustomKeyStoreRecord): Promise<string> {
    const secret = await this.#d.keystore.unwrap(rec.password, customKeyStorePasswordBinding(rec.customKeyStoreId));
    try {
      return secret.expose().toString("utf8");
    } finally {
      secret.dispose();
    }
  }

  // ---- connections

  /**
   * Opens the store's token with its stored password (ConnectCustomKeyStore). Returns undefined
   * when connected, or the ConnectionErrorCode that says why not. A token this node had open for
   * the store is closed first, so that a connect always proves the current password.
   */
  async connect(rec: CustomKeyStoreRecord): Promise<ConnectionErrorCode | undefined> {
    await this.disconnect(rec.customKeyStoreId);
    if (rec.xks !== undefined) {
      try {
        await this.xksHealth(rec, "ConnectCustomKeyStore", "connect");
        return undefined;
      } catch (e) {
        if (e instanceof XksProxyFailure) return xksConnectionErrorCode(e);
        return "INTERNAL_ERROR";
      }
    }
    const cluster = this.cluster(rec.cloudHsmClusterId);
    if (cluster === undefined) return "CLUSTER_NOT_FOUND";
    let pin: string;
    try {
      pin = await this.#password(rec);
    } catch {
      return "INTERNAL_ERROR";
    }
    try {
      const token = await this.#openToken({ modulePath: cluster.modulePath, tokenLabel: cluster.tokenLabel, pin: { value: pin } });
      if (this.#closed) {
        await token.close();
        return "INTERNAL_ERROR";
      }
      this.#tokens.set(rec.customKeyStoreId, Promise.resolve(token));
      return undefined;
    } catch (e) {
      return connectionErrorCode(e);
    }
  }

  // ---- external key stores

  /**
   * One call to an external key store's proxy, signed with the store's credential (its secret is
   * unwrapped for the call only). Throws XksProxyFailure.
   */
  async xksCall(
    rec: CustomKeyStoreRecord,
    operation: string,
    body: Readonly<Record<string, unknown>>,
  ): Promise<Record<string, unknown>> {
    const xks = rec.xks;
    if (xks === undefined) throw new XksProxyFailure("invalid-response");
    const secret = await this.#d.keystore.unwrap(rec.password, customKeyStorePasswordBinding(rec.customKeyStoreId));
    try {
      return await callXksProxy(
        { endpoint: parseXksEndpoint(xks.uriEndpoint, { loopbackHttp: this.loopbackHttpProxies }), uriPath: xks.uriPath, accessKeyId: xks.accessKeyId, secret: secret.expose(), region: rec.region },
        operation,
        body,
        { ...(this.#d.xksTimeoutMs !== undefined ? { timeoutMs: this.#d.xksTimeoutMs } : {}), now: this.#d.now() },
      );
    } finally {
      secret.dispose();
    }
  }

  /** GetHealthStatus: resolves when the proxy answers a well-formed health report; throws XksProxyFailure. */
  async xksHealth(rec: CustomKeyStoreRecord, kmsOperation: string, kmsRequestId: string): Promise<void> {
    const r = await this.xksCall(rec, "health", { requestMetadata: { kmsRequestId, kmsOperation } });
    const size = r["xksProxyFleetSize"];
    const fleet = r["ekmFleetDetails"];
    if (typeof size !== "number" || !Number.isInteger(size) || size < 1 || !Array.isArray(fleet) || fleet.length < 1 || fleet.length > 10) {
      throw new XksProxyFailure("invalid-response");
    }
  }

  /** Closes this node's token of the store, if it has one open. */
  async disconnect(customKeyStoreId: string): Promise<void> {
    const open = this.#tokens.get(customKeyStoreId);
    if (open === undefined) return;
    this.#tokens.delete(customKeyStoreId);
    const token = await open.catch(() => undefined);
    await token?.close();
  }

  /** Whether this node has the store's token open now (tests, diagnostics). */
  isOpen(customKeyStoreId: string): boolean {
    return this.#tokens.has(customKeyStoreId);
  }

  /**
   * At start: opens the tokens of the CloudHSM-type stores recorded as CONNECTED (AWS keeps custom key stores
   * connected across its own restarts). A store that cannot be reconnected becomes FAILED with
   * the ConnectionErrorCode, as a failed ConnectCustomKeyStore does; its keys are then Unavailable.
   */
  async reconnectAll(): Promise<{ readonly connected: number; readonly failed: number }> {
    let connected = 0;
    let failed = 0;
    for (let after: string | undefined; ; ) {
      const page = await this.#d.store.listCustomKeyStores(undefined, after, 100);
      for (const rec of page.items) {
        // External key stores have nothing to open: every call reaches the proxy, and a proxy
        // that is down fails those calls. Checking them here would hold the start (up to the
        // proxy deadline each) and let a brief outage mark them FAILED for every node.
        if (rec.connectionState !== "CONNECTED" || rec.xks !== undefined) continue;
        const code = await this.connect(rec);
        if (code === undefined) {
          connected++;
          continue;
        }
        failed++;
        this.#d.log?.({ level: "error", msg: "custom key store not reconnected", customKeyStoreId: rec.customKeyStoreId, connectionErrorCode: code });
        try {
          const next = await this.#d.store.updateCustomKeyStore({ ...rec, connectionState: "FAILED", connectionErrorCode: code }, rec.revision);
          this.remember(rec.customKeyStoreId, next);
        } catch (e) {
          if (!(e instanceof RevisionConflict)) throw e;
        }
      }
      if (page.next === undefined) break;
      after = page.next;
    }
    return { connected, failed };
  }

  /**
   * The open token for a key's store, for a cryptographic operation: the store must be CONNECTED
   * (else the key is Unavailable). Every failure is KMSInvalidStateException, as AWS answers any
   * failed cryptographic operation on a key in a custom key store ("a general failure with many
   * possible causes"), with a message that says which.
   */
  async #tokenForKey(key: KeyRecord & { readonly customKeyStoreId: string }): Promise<Pkcs11Token> {
    const rec = await this.record(key.customKeyStoreId);
    if (rec === undefined || rec.connectionState !== "CONNECTED") {
      await this.disconnect(key.customKeyStoreId);
      throw unavailable(key);
    }
    return this.tokenFor(rec);
  }

  /**
   * This node's open token of a CONNECTED store, opened now if it is not open yet (a node that
   * did not connect the store itself, or a restart that could not reconnect it at once).
   */
  async tokenFor(rec: CustomKeyStoreRecord): Promise<Pkcs11Token> {
    if (this.#closed) throw new KmsError("KMSInvalidStateException", "The custom key store is not available: the service is stopping.");
    let open = this.#tokens.get(rec.customKeyStoreId);
    if (open === undefined) {
      const cluster = this.cluster(rec.cloudHsmClusterId);
      open = (async () => {
        if (cluster === undefined) throw new KeystoreError("unavailable", `cluster ${rec.cloudHsmClusterId} is not configured`);
        const pin = await this.#password(rec);
        return this.#openToken({ modulePath: cluster.modulePath, tokenLabel: cluster.tokenLabel, pin: { value: pin } });
      })();
      this.#tokens.set(rec.customKeyStoreId, open);
      open.catch(() => {
        if (this.#tokens.get(rec.customKeyStoreId) === open) this.#tokens.delete(rec.customKeyStoreId);
      });
    }
    try {
      return await open;
    } catch (e) {
      this.#d.log?.({ level: "warn", msg: "custom key store token not opened", customKeyStoreId: rec.customKeyStoreId, error: errorName(e) });
      throw new KmsError(
        "KMSInvalidStateException",
        `The custom key store ${rec.customKeyStoreId} is connected, but its cluster cannot be reached from this node now.`,
      );
    }
  }

  // ---- key material in the token

  /**
   * Generates the key material of a new KMS key in the store's token: a non-extractable,
   * sensitive AES-256 token object labelled trent-cks-<keyId> whose CKA_ID is the material id.
   */
  async generateKey(rec: CustomKeyStoreRecord, keyId: string, random: (n: number) => Buffer): Promise<string> {
    const token = await this.tokenFor(rec).catch(() => {
      throw new KmsError("KMSInternalException", "The associated cluster cannot be reached: the key material was not generated.");
    });
    const materialId = random(32).toString("hex");
    try {
      await token.generateAesKey(hsmKeyLabel(keyId), { usage: "encrypt", id: Buffer.from(materialId, "hex") });
    } catch (e) {
      this.#d.log?.({ level: "error", msg: "key not generated in the custom key store", customKeyStoreId: rec.customKeyStoreId, error: errorName(e) });
      throw new KmsError("KMSInternalException", "The key material could not be generated in the associated cluster.");
    }
    return materialId;
  }

  /**
   * Destroys the token object of a deleted KMS key, as AWS makes "a best effort to delete the key
   * material from the associated cluster": true when it is gone, false when the store was not
   * connected or the token failed (the material then stays in the token, orphaned).
   */
  async destroyKeyMaterial(key: KeyRecord): Promise<boolean> {
    // An external key is never deleted by KMS (and its KMS-side material goes with the key record).
    if (key.customKeyStoreId === undefined || key.origin === "EXTERNAL_KEY_STORE") return true;
    const rec = await this.record(key.customKeyStoreId).catch(() => undefined);
    if (rec === undefined || rec.connectionState !== "CONNECTED") return false;
    try {
      const token = await this.tokenFor(rec);
      await token.destroyKey(hsmKeyLabel(key.keyId));
      return true;
    } catch (e) {
      return e instanceof Pkcs11KeyNotFoundError;
    }
  }

  /** Random bytes from the store's token (GenerateRandom with CustomKeyStoreId); the store must be CONNECTED. */
  async generateRandom(rec: CustomKeyStoreRecord, n: number): Promise<SecretBytes> {
    const token = await this.tokenFor(rec).catch(() => {
      throw new KmsError("KMSInternalException", "The associated cluster cannot be reached.");
    });
    try {
      return await token.withSession("generate random", (lib, session) => SecretBytes.adopt(lib.C_GenerateRandom(session, Buffer.alloc(n))));
    } catch (e) {
      this.#d.log?.({ level: "warn", msg: "custom key store random failed", customKeyStoreId: rec.customKeyStoreId, error: errorName(e) });
      throw new KmsError("KMSInternalException", "The associated cluster could not generate random bytes.");
    }
  }

  /** The attributes of a key's token object (tests: proof that it cannot leave the token). */
  async keyAttributes(key: KeyRecord & { readonly customKeyStoreId: string }): Promise<Pkcs11KeyAttributes> {
    const token = await this.#tokenForKey(key);
    return token.keyAttributes(hsmKeyLabel(key.keyId));
  }

  /** Encrypts under the key in the token: format 0x02, AAD = header || canonical(ec). */
  async seal(
    key: KeyRecord & { readonly customKeyStoreId: string },
    plaintext: SecretBytes,
    encryptionContext: EncryptionContext | undefined,
    random: (n: number) => Buffer,
  ): Promise<{ blob: Buffer; materialId: string }> {
    const materialId = key.currentMaterialId;
    if (materialId === undefined) throw new KmsError("KMSInternalException", "The key material is not available.");
    const token = await this.#tokenForKey(key);
    const iv = random(12);
    const header = buildHsmHeader(key.keyId, materialId, iv);
    const aad = Buffer.concat([header, canonicalEncryptionContext(encryptionContext)]);
    try {
      const ct = await token.encryptGcm(hsmKeyLabel(key.keyId), iv, aad, plaintext.expose());
      return { blob: Buffer.concat([header, ct]), materialId };
    } catch (e) {
      throw this.#cryptoFailure(key, e);
    }
  }

  /** Decrypts a format-0x02 blob of this key in the token; any mismatch is InvalidCiphertextException. */
  async open(
    key: KeyRecord & { readonly customKeyStoreId: string },
    blob: Uint8Array,
    encryptionContext: EncryptionContext | undefined,
  ): Promise<{ plaintext: SecretBytes; materialId: string }> {
    const parsed = parseHsmBlob(blob);
    if (parsed === undefined || parsed.keyId !== key.keyId || parsed.materialId !== key.currentMaterialId) {
      throw new KmsError("InvalidCiphertextException", "");
    }
    const token = await this.#tokenForKey(key);
    const aad = Buffer.concat([parsed.header, canonicalEncryptionContext(encryptionContext)]);
    try {
      const plaintext = await token.decryptGcm(hsmKeyLabel(key.keyId), parsed.iv, aad, parsed.ciphertextAndTag);
      return { plaintext, materialId: parsed.materialId };
    } catch (e) {
      if (e instanceof KeystoreError && e.reason === "unwrap-failed") throw new KmsError("InvalidCiphertextException", "");
      throw this.#cryptoFailure(key, e);
    }
  }

  #cryptoFailure(key: KeyRecord, e: unknown): KmsError {
    const arn = keyArn(key.region, key.accountId, key.keyId);
    if (e instanceof Pkcs11KeyNotFoundError) {
      return new KmsError("KMSInvalidStateException", `The key material of ${arn} was not found in the associated cluster.`);
    }
    this.#d.log?.({ level: "warn", msg: "custom key store operation failed", customKeyStoreId: key.customKeyStoreId, error: errorName(e) });
    return new KmsError("KMSInvalidStateException", `The cryptographic operation with ${arn} failed in the associated cluster.`);
  }

  /** Closes every token (service stop). */
  async close(): Promise<void> {
    this.#closed = true;
    const ids = [...this.#tokens.keys()];
    for (const id of ids) await this.disconnect(id);
    this.#records.clear();
  }
}

/**
 * The key as its state reads now: a key in a custom key store is Unavailable while the store is
 * not connected (PendingDeletion stays). For checks and for DescribeKey only: never write it back.
 */
export async function withEffectiveState(ctx: OpContext, key: KeyRecord): Promise<KeyRecord> {
  if (key.customKeyStoreId === undefined) return key;
  const state = ctx.customKeyStores === undefined ? effectiveKeyState(key.keyState, undefined) : await ctx.customKeyStores.effectiveState(key);
  return state === key.keyState ? key : { ...key, keyState: state };
}

function unavailable(key: KeyRecord): KmsError {
  const arn = keyArn(key.region, key.accountId, key.keyId);
  return new KmsError("KMSInvalidStateException", `${arn} is unavailable. You cannot perform this operation on an unavailable KMS key.`);
}

/** An error's name, never its message (which could quote a path or a label). */
function errorName(e: unknown): string {
  return e instanceof Error ? e.name : "unknown";
}
