import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { KmsError } from "../domain/errors.js";

/** A role session issued by AssumeRole. Kept in this node's memory only (see README). */
export interface RoleSession {
  readonly accessKeyId: string;
  readonly accountId: string;
  readonly roleArn: string;
  /** The role's unique id (AROA...). */
  readonly roleId: string;
  readonly sessionName: string;
  /** arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION */
  readonly sessionArn: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

interface Entry {
  readonly session: RoleSession;
  readonly secret: SecretBytes;
  /** SHA-256 of the session token; the token itself is never kept. */
  readonly tokenHash: Buffer;
}

export interface IssuedSession {
  readonly session: RoleSession;
  /** Handed to the caller once; not kept. */
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

const KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const MSG_INVALID = "The security token included in the request is invalid.";
const MSG_EXPIRED = "The security token included in the request is expired";

/** Session access key ids: ASIA and 16 upper-case alphanumerics. */
export const SESSION_KEY_ID = /^ASIA[A-Z0-9]{16}$/;

function tokenHash(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/**
 * Temporary credentials: access key, secret and session token, bounded in number (expired
 * sessions are dropped first, then the oldest). Secrets are held as SecretBytes and zeroed when
 * the session is dropped; tokens only as their SHA-256.
 */
export class SessionCredentials {
  readonly #now: () => number;
  readonly #max: number;
  readonly #entries = new Map<string, Entry>();

  constructor(opts: { now?: () => number; maxSessions?: number } = {}) {
    this.#now = opts.now ?? Date.now;
    this.#max = Math.max(1, opts.maxSessions ?? 50_000);
  }

  issue(s: Omit<RoleSession, "accessKeyId" | "issuedAt" | "expiresAt">, durationSeconds: number): IssuedSession {
    this.#makeRoom();
    let accessKeyId = "ASIA";
    while (accessKeyId.length < 20) accessKeyId += KEY_CHARS[randomInt(KEY_CHARS.length)];
    const secretAccessKey = randomBytes(30).toString("base64").replace(/[+/]/g, "A");
    const sessionToken = randomBytes(48).toString("base64");
    const issuedAt = Math.floor(this.#now() / 1000) * 1000;
    const session: RoleSession = { ...s, accessKeyId, issuedAt, expiresAt: issuedAt + durationSeconds * 1000 };
    this.#entries.set(accessKeyId, {
      session,
      secret: SecretBytes.copyOf(Buffer.from(secretAccessKey, "utf8")),
      tokenHash: tokenHash(sessionToken),
    });
    return { session, secretAccessKey, sessionToken };
  }

  /** The session's secret, or undefined for an unknown or expired session key. */
  secret(accessKeyId: string): SecretBytes | undefined {
    const e = this.#entries.get(accessKeyId);
    return e === undefined || this.#now() >= e.session.expiresAt ? undefined : e.secret;
  }

  session(accessKeyId: string): RoleSession | undefined {
    const e = this.#entries.get(accessKeyId);
    return e === undefined || this.#now() >= e.session.expiresAt ? undefined : e.session;
  }

  /**
   * Checks the X-Amz-Security-Token of a request signed with `accessKeyId`: long-term keys take
   * none; a session key needs its own token, before it expires. Throws as AWS answers.
   */
  checkToken(accessKeyId: string, token: string | undefined): void {
    if (!SESSION_KEY_ID.test(accessKeyId)) {
      if (token !== undefined) throw new KmsError("UnrecognizedClientException", MSG_INVALID);
      return;
    }
    const e = this.#entries.get(accessKeyId);
    if (e === undefined || token === undefined || token.length > 4096) throw new KmsError("UnrecognizedClientException", MSG_INVALID);
    if (!timingSafeEqual(tokenHash(token), e.tokenHash)) throw new KmsError("UnrecognizedClientException", MSG_INVALID);
    if (this.#now() >= e.session.expiresAt) throw new KmsError("ExpiredTokenException", MSG_EXPIRED);
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    for (const e of this.#entries.values()) e.secret.dispose();
    this.#entries.clear();
  }

  #makeRoom(): void {
    if (this.#entries.size < this.#max) return;
    const now = this.#now();
    for (const [id, e] of this.#entries) {
      if (now >= e.session.expiresAt) {
        e.secret.dispose();
        this.#entries.delete(id);
      }
    }
    while (this.#entries.size >= this.#max) {
      const oldest = this.#entries.entries().next();
      if (oldest.done === true) break;
      oldest.value[1].secret.dispose();
      this.#entries.delete(oldest.value[0]);
    }
  }
}
