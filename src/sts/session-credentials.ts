import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { KmsError } from "../domain/errors.js";
import type { Keystore } from "../keystore/keystore.js";
import type { RoleSessionRecord, Store } from "../store/store.js";

/** A role session issued by AssumeRole, as every node sees it (the store's record without its secrets). */
export type RoleSession = Omit<RoleSessionRecord, "secret" | "tokenHash">;

interface Entry {
  readonly record: RoleSessionRecord;
  readonly session: RoleSession;
  readonly secret: SecretBytes;
}

interface Cached {
  /** null: no such session (remembered for the TTL like a found one). */
  readonly entry: Entry | null;
  readonly loadedAt: number;
}

export interface IssuedSession {
  readonly session: RoleSession;
  /** Handed to the caller once; not kept unwrapped outside this node's cache. */
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export interface SessionCredentialsOptions {
  readonly store: Pick<Store, "putRoleSession" | "getRoleSession">;
  readonly keystore: Pick<Keystore, "wrap" | "unwrap">;
  readonly now?: () => number;
  /** How long a looked-up session (or its absence) is trusted before the store is read again. */
  readonly ttlMs?: number;
  readonly maxSessions?: number;
}

const KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const MSG_INVALID = "The security token included in the request is invalid.";
const MSG_EXPIRED = "The security token included in the request is expired";

/** Session access key ids: ASIA and 16 upper-case alphanumerics. */
export const SESSION_KEY_ID = /^ASIA[A-Z0-9]{16}$/;

/** Binding under which a role session's secret is wrapped. */
export function roleSessionBinding(accessKeyId: string): Buffer {
  return Buffer.from(`role-session/${accessKeyId}`, "utf8");
}

function tokenHash(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

function sessionOf(r: RoleSessionRecord): RoleSession {
  return {
    accessKeyId: r.accessKeyId,
    accountId: r.accountId,
    roleArn: r.roleArn,
    roleId: r.roleId,
    sessionName: r.sessionName,
    sessionArn: r.sessionArn,
    issuedAt: r.issuedAt,
    expiresAt: r.expiresAt,
  };
}

/**
 * Temporary credentials (access key, secret, session token), kept in the store so that every
 * node accepts them and they outlive a restart; this is a bounded cache in front of it, trusted
 * for `ttlMs` (a session deleted elsewhere stops working within that time). The secret is stored
 * wrapped under the root and held here only as SecretBytes; the token only as its SHA-256.
 */
export class SessionCredentials {
  readonly #store: SessionCredentialsOptions["store"];
  readonly #keystore: SessionCredentialsOptions["keystore"];
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #entries = new Map<string, Cached>();

  constructor(opts: SessionCredentialsOptions) {
    this.#store = opts.store;
    this.#keystore = opts.keystore;
    this.#now = opts.now ?? Date.now;
    this.#ttlMs = opts.ttlMs ?? 5_000;
    this.#max = Math.max(1, opts.maxSessions ?? 50_000);
  }

  /** A new session, written to the store before its credentials are returned. */
  async issue(s: Omit<RoleSession, "accessKeyId" | "issuedAt" | "expiresAt">, durationSeconds: number): Promise<IssuedSession> {
    let accessKeyId = "ASIA";
    while (accessKeyId.length < 20) accessKeyId += KEY_CHARS[randomInt(KEY_CHARS.length)];
    const secretAccessKey = randomBytes(30).toString("base64").replace(/[+/]/g, "A");
    const sessionToken = randomBytes(48).toString("base64");
    const issuedAt = Math.floor(this.#now() / 1000) * 1000;
    const session: RoleSession = { ...s, accessKeyId, issuedAt, expiresAt: issuedAt + durationSeconds * 1000 };
    const secret = SecretBytes.copyOf(Buffer.from(secretAccessKey, "utf8"));
    try {
      const wrapped = await this.#keystore.wrap(secret, roleSessionBinding(accessKeyId));
      const record: RoleSessionRecord = { ...session, secret: wrapped, tokenHash: tokenHash(sessionToken) };
      await this.#store.putRoleSession(record);
      this.#set(accessKeyId, { entry: { record, session, secret }, loadedAt: this.#now() });
    } catch (e) {
      secret.dispose();
      throw e;
    }
    return { session, secretAccessKey, sessionToken };
  }

  /** The session's secret, or undefined for an unknown or expired session key. */
  secret(accessKeyId: string): SecretBytes | undefined | Promise<SecretBytes | undefined> {
    const hit = this.#fresh(accessKeyId);
    if (hit !== undefined) return this.#live(hit.entry)?.secret;
    return this.#load(accessKeyId).then((e) => this.#live(e)?.secret);
  }

  async session(accessKeyId: string): Promise<RoleSession | undefined> {
    if (!SESSION_KEY_ID.test(accessKeyId)) return undefined;
    return this.#live(await this.#entry(accessKeyId))?.session;
  }

  /**
   * Checks the X-Amz-Security-Token of a request signed with `accessKeyId`: long-term keys take
   * none; a session key needs its own token, before it expires. Throws (or rejects) as AWS answers.
   */
  checkToken(accessKeyId: string, token: string | undefined): void | Promise<void> {
    if (!SESSION_KEY_ID.test(accessKeyId)) {
      if (token !== undefined) throw new KmsError("UnrecognizedClientException", MSG_INVALID);
      return;
    }
    if (token === undefined || token.length > 4096) throw new KmsError("UnrecognizedClientException", MSG_INVALID);
    const hit = this.#fresh(accessKeyId);
    if (hit !== undefined) return this.#check(hit.entry, token);
    return this.#load(accessKeyId).then((e) => this.#check(e, token));
  }

  /** Sessions held in this node's cache. */
  get size(): number {
    return this.#entries.size;
  }

  /** Forgets a session here (the store is not touched). */
  invalidate(accessKeyId: string): void {
    this.#drop(accessKeyId);
  }

  clear(): void {
    for (const c of this.#entries.values()) c.entry?.secret.dispose();
    this.#entries.clear();
  }

  #check(e: Entry | null, token: string): void {
    if (e === null || !timingSafeEqual(tokenHash(token), e.record.tokenHash)) {
      throw new KmsError("UnrecognizedClientException", MSG_INVALID);
    }
    if (this.#now() >= e.session.expiresAt) throw new KmsError("ExpiredTokenException", MSG_EXPIRED);
  }

  #live(e: Entry | null): Entry | undefined {
    return e === null || this.#now() >= e.session.expiresAt ? undefined : e;
  }

  #fresh(accessKeyId: string): Cached | undefined {
    const c = this.#entries.get(accessKeyId);
    return c !== undefined && this.#now() - c.loadedAt < this.#ttlMs ? c : undefined;
  }

  async #entry(accessKeyId: string): Promise<Entry | null> {
    return this.#fresh(accessKeyId)?.entry ?? (await this.#load(accessKeyId));
  }

  async #load(accessKeyId: string): Promise<Entry | null> {
    const loadedAt = this.#now();
    const record = SESSION_KEY_ID.test(accessKeyId) ? await this.#store.getRoleSession(accessKeyId) : undefined;
    const previous = this.#entries.get(accessKeyId)?.entry ?? null;
    let entry: Entry | null = null;
    if (record !== undefined) {
      // An unchanged session keeps its unwrapped secret (requests in flight may hold it).
      const same =
        previous !== null &&
        !previous.secret.disposed &&
        previous.record.secret.rootVersion === record.secret.rootVersion &&
        previous.record.secret.blob.equals(record.secret.blob) &&
        previous.record.tokenHash.equals(record.tokenHash);
      if (same) entry = previous;
      else {
        try {
          const secret = await this.#keystore.unwrap(record.secret, roleSessionBinding(accessKeyId));
          entry = { record, session: sessionOf(record), secret };
        } catch {
          entry = null; // e.g. wrapped under a retired root: the session has ended
        }
      }
    }
    const now = this.#entries.get(accessKeyId);
    if (now !== undefined && now.loadedAt > loadedAt) {
      // Another load (or issue) finished meanwhile with a newer view: keep it.
      if (entry !== null && entry !== now.entry && entry !== previous) entry.secret.dispose();
      return now.entry;
    }
    this.#set(accessKeyId, { entry, loadedAt });
    return entry;
  }

  #set(accessKeyId: string, c: Cached): void {
    const old = this.#entries.get(accessKeyId);
    if (old?.entry && old.entry !== c.entry) old.entry.secret.dispose();
    this.#entries.delete(accessKeyId);
    while (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#drop(oldest.value);
    }
    this.#entries.set(accessKeyId, c);
  }

  #drop(accessKeyId: string): void {
    const c = this.#entries.get(accessKeyId);
    c?.entry?.secret.dispose();
    this.#entries.delete(accessKeyId);
  }
}
