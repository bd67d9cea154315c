import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { KeystoreError, type Keystore, type KeystoreStatus, type WrappedKey } from "./keystore.js";
import { Pkcs11KeyNotFoundError, Pkcs11Token, type Pkcs11KeyUsage, type Pkcs11TokenConfig } from "./pkcs11-token.js";

/** How backing-key material is wrapped inside the token. */
export type Pkcs11WrapMechanism = "aes-gcm" | "aes-key-wrap-pad";

export interface Pkcs11KeystoreOptions {
  /** Label prefix of root-key objects; a version's label is prefix + version. Default "trent-root-". */
  readonly rootLabelPrefix?: string;
  /**
   * "auto" (default): CKM_AES_GCM when the token offers it for encrypt/decrypt (authenticated,
   * the binding is the AAD), otherwise CKM_AES_KEY_WRAP_PAD (RFC 5649) with the binding's digest
   * inside the wrapped data. Blobs record their mechanism, so either unwraps later.
   */
  readonly mechanism?: "auto" | Pkcs11WrapMechanism;
}

export type Pkcs11KeystoreConfig = Pkcs11TokenConfig & Pkcs11KeystoreOptions;

export const DEFAULT_ROOT_LABEL_PREFIX = "trent-root-";

const WRAP_AAD_PREFIX = Buffer.from("trent/v1/wrap\0", "utf8");
/** Blob = 0x01 || iv(12) || ciphertext || tag(16). */
const FORMAT_GCM = 0x01;
/**
 * Blob = 0x02 || RFC 5649 wrap of (SHA-256(prefix || binding) || u32 length || material || zeros
 * to a multiple of 8). The length is ours because SoftHSM 2.6.1 returns RFC 5649 unwraps of
 * generic secrets with their padding still on.
 */
const FORMAT_KWP = 0x02;
const IV_LEN = 12;
const TAG_LEN = 16;
const DIGEST_LEN = 32;

/**
 * Root of trust in a PKCS#11 token (an HSM, or SoftHSM2 in tests). Each root version is a
 * non-extractable, sensitive AES-256 token object labelled `trent-root-<version>`; the first is
 * created at first start. Backing-key material is encrypted by the token (AES-GCM, the binding as
 * AAD) and never meets a root key outside it. Versions are ordered by creation time (the version
 * id starts with a UTC timestamp), and the newest is current. A version this process has not seen
 * (another node rotated) is looked up on the token before an unwrap gives up.
 */
export class Pkcs11Keystore implements Keystore {
  readonly #token: Pkcs11Token;
  readonly #ownsToken: boolean;
  readonly #prefix: string;
  readonly #mechanism: Pkcs11WrapMechanism;
  /** Known root versions, sorted oldest first. */
  #versions: string[] = [];
  #current = "";

  private constructor(token: Pkcs11Token, ownsToken: boolean, prefix: string, mechanism: Pkcs11WrapMechanism) {
    this.#token = token;
    this.#ownsToken = ownsToken;
    this.#prefix = prefix;
    this.#mechanism = mechanism;
  }

  /** Opens the token (module, slot by label, login) and the root versions on it; creates the first if none. */
  static async open(config: Pkcs11KeystoreConfig): Promise<Pkcs11Keystore> {
    const token = await Pkcs11Token.open(config);
    try {
      return await Pkcs11Keystore.onToken(token, config, true);
    } catch (e) {
      await token.close();
      throw e;
    }
  }

  /** A keystore on a token that is already open. It closes the token on close() only when `ownsToken`. */
  static async onToken(token: Pkcs11Token, options: Pkcs11KeystoreOptions = {}, ownsToken = false): Promise<Pkcs11Keystore> {
    const wanted = options.mechanism ?? "auto";
    const gcm = await token.supportsAesGcm();
    const kwp = await token.supportsAesKeyWrapPad();
    let mechanism: Pkcs11WrapMechanism;
    if (wanted === "auto") {
      if (gcm) mechanism = "aes-gcm";
      else if (kwp) mechanism = "aes-key-wrap-pad";
      else throw new KeystoreError("unavailable", `token "${token.label}" offers neither CKM_AES_GCM nor CKM_AES_KEY_WRAP_PAD`);
    } else {
      if ((wanted === "aes-gcm" && !gcm) || (wanted === "aes-key-wrap-pad" && !kwp)) {
        throw new KeystoreError("unavailable", `token "${token.label}" does not offer ${wanted}`);
      }
      mechanism = wanted;
    }
    const ks = new Pkcs11Keystore(token, ownsToken, options.rootLabelPrefix ?? DEFAULT_ROOT_LABEL_PREFIX, mechanism);
    await ks.#refresh();
    if (ks.#versions.length === 0) await ks.rotateRoot();
    return ks;
  }

  /** The token, for keys whose material never leaves it (custom key stores). */
  get token(): Pkcs11Token {
    return this.#token;
  }

  get mechanism(): Pkcs11WrapMechanism {
    return this.#mechanism;
  }

  /** Label of the token object that holds a root version. */
  rootKeyLabel(version: string): string {
    return this.#prefix + version;
  }

  status(): KeystoreStatus {
    return { kind: "pkcs11", sealed: false, rootVersion: this.#current };
  }

  async wrap(material: SecretBytes, binding: Uint8Array): Promise<WrappedKey> {
    const version = this.#current;
    const label = this.rootKeyLabel(version);
    try {
      if (this.#mechanism === "aes-gcm") {
        const iv = randomBytes(IV_LEN);
        const ct = await this.#token.encryptGcm(label, iv, aad(binding), material.expose());
        return { rootVersion: version, blob: Buffer.concat([Buffer.of(FORMAT_GCM), iv, ct]) };
      }
      const inner = kwpInner(binding, material.expose());
      try {
        const wrapped = await this.#token.wrapKeyPad(label, inner);
        return { rootVersion: version, blob: Buffer.concat([Buffer.of(FORMAT_KWP), wrapped]) };
      } finally {
        inner.fill(0);
      }
    } catch (e) {
      if (e instanceof Pkcs11KeyNotFoundError) {
        await this.#refresh().catch(() => undefined);
        throw new KeystoreError("unavailable", `the current root key ${label} is missing from token "${this.#token.label}"`);
      }
      throw e;
    }
  }

  async unwrap(wrapped: WrappedKey, binding: Uint8Array): Promise<SecretBytes> {
    if (!this.#versions.includes(wrapped.rootVersion)) {
      await this.#refresh();
      if (!this.#versions.includes(wrapped.rootVersion)) throw this.#missing();
    }
    const label = this.rootKeyLabel(wrapped.rootVersion);
    const blob = wrapped.blob;
    try {
      if (blob[0] === FORMAT_GCM && blob.length >= 1 + IV_LEN + TAG_LEN) {
        return await this.#token.decryptGcm(label, blob.subarray(1, 1 + IV_LEN), aad(binding), blob.subarray(1 + IV_LEN));
      }
      if (blob[0] === FORMAT_KWP && blob.length >= 1 + 16) {
        const inner = await this.#token.unwrapKeyPad(label, blob.subarray(1));
        try {
          const out = kwpOpen(binding, inner.expose());
          if (out === undefined) throw new KeystoreError("unwrap-failed", "wrapped key failed authentication");
          return SecretBytes.copyOf(out);
        } finally {
          inner.dispose();
        }
      }
      throw new KeystoreError("unwrap-failed", "wrapped key failed authentication");
    } catch (e) {
      if (e instanceof Pkcs11KeyNotFoundError) {
        await this.#refresh();
        throw this.#missing();
      }
      throw e;
    }
  }

  /** Generates a new root key object in the token and makes it current. */
  async rotateRoot(): Promise<string> {
    const version = nextVersionId(this.#versions, new Date());
    const usage: Pkcs11KeyUsage = this.#mechanism === "aes-gcm" ? "encrypt" : "wrap";
    await this.#token.generateAesKey(this.rootKeyLabel(version), { usage, id: Buffer.from(version, "utf8") });
    this.#versions = [...this.#versions, version].sort();
    this.#current = version;
    return version;
  }

  rootVersions(): readonly string[] {
    return [...this.#versions];
  }

  /** Destroys the root version's token object. Irreversible; refuses the current version. */
  async retireRootVersion(version: string): Promise<void> {
    if (version === this.#current) throw new Error("cannot retire the current root version");
    try {
      await this.#token.destroyKey(this.rootKeyLabel(version));
    } catch (e) {
      if (!(e instanceof Pkcs11KeyNotFoundError)) throw e;
    }
    this.#versions = this.#versions.filter((v) => v !== version);
  }

  async close(): Promise<void> {
    if (this.#ownsToken) await this.#token.close();
  }

  /** A version is missing: retired (others remain), or the token lost every root key (wiped, replaced). */
  #missing(): KeystoreError {
    if (this.#versions.length === 0) {
      return new KeystoreError("unavailable", `token "${this.#token.label}" holds no root key (wiped or replaced?)`);
    }
    return new KeystoreError("unknown-root-version", "root version not available");
  }

  /** Re-reads the root versions from the token; the newest becomes current. */
  async #refresh(): Promise<void> {
    const labels = await this.#token.listAesKeys(this.#prefix);
    this.#versions = labels.map((l) => l.slice(this.#prefix.length)).filter((v) => v.length > 0).sort();
    // Newest of our own (timestamped) versions; any other label with the prefix only if none is ours.
    const ours = this.#versions.filter((v) => stampMs(v) !== undefined);
    const newest = ours[ours.length - 1] ?? this.#versions[this.#versions.length - 1];
    if (newest !== undefined) this.#current = newest;
  }
}

function aad(binding: Uint8Array): Buffer {
  return Buffer.concat([WRAP_AAD_PREFIX, binding]);
}

function kwpInner(binding: Uint8Array, material: Buffer): Buffer {
  const head = Buffer.alloc(DIGEST_LEN + 4);
  bindingDigest(binding).copy(head);
  head.writeUInt32BE(material.length, DIGEST_LEN);
  const pad = (8 - ((head.length + material.length) % 8)) % 8;
  return Buffer.concat([head, material, Buffer.alloc(pad)]);
}

/** The material inside an unwrapped KWP payload, or undefined when the binding or the layout is wrong. */
function kwpOpen(binding: Uint8Array, inner: Buffer): Buffer | undefined {
  if (inner.length < DIGEST_LEN + 4) return undefined;
  if (!timingSafeEqual(inner.subarray(0, DIGEST_LEN), bindingDigest(binding))) return undefined;
  const len = inner.readUInt32BE(DIGEST_LEN);
  const start = DIGEST_LEN + 4;
  if (start + len > inner.length) return undefined;
  if (inner.subarray(start + len).some((b) => b !== 0)) return undefined;
  return inner.subarray(start, start + len);
}

function bindingDigest(binding: Uint8Array): Buffer {
  return createHash("sha256").update(WRAP_AAD_PREFIX).update(binding).digest();
}

const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-/;

function stamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-22T07:07:48.123Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}${iso.slice(20, 23)}Z`;
}

function stampMs(version: string): number | undefined {
  const m = STAMP.exec(version);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms));
}

/**
 * A root version id that sorts after every existing one: `YYYYMMDDTHHMMSSmmmZ-<8 hex>`, the
 * timestamp moved forward past the newest existing version if the clock is behind it.
 */
export function nextVersionId(existing: readonly string[], now: Date): string {
  let ms = now.getTime();
  for (const v of existing) {
    const t = stampMs(v);
    if (t !== undefined && t >= ms) ms = t + 1;
  }
  return `${stamp(ms)}-${randomBytes(4).toString("hex")}`;
}
