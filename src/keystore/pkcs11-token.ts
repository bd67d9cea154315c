import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { AesGCM, Handle, Mechanism, PKCS11, Template } from "pkcs11js";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { KeystoreError } from "./keystore.js";
import {
  acquireModule,
  binding,
  ckrCode,
  ckrName,
  classes,
  readPin,
  releaseModule,
  type Binding,
  type LoadedModule,
  type PinSource,
} from "./pkcs11-module.js";
import { SessionPool, SessionPoolClosedError } from "./pkcs11-session-pool.js";

export { ckrCode, ckrName, readPin, type PinSource };

/**
 * One PKCS#11 token, reached through any PKCS#11 module (SoftHSM2, a network HSM's client
 * library, a USB token). Finds the token by label (slot ids are not stable: SoftHSM renumbers
 * them), logs in with the user PIN, keeps a small pool of logged-in sessions, and offers the few
 * operations Trent needs on AES keys that live in the token and never leave it:
 * generate, find, destroy, AES-GCM encrypt/decrypt, and RFC 5649 wrap/unwrap.
 *
 * Every failure of the module surfaces as a KeystoreError ("unavailable" when the token, a session
 * or the login is gone; "unwrap-failed" when a decryption does not authenticate); nothing the
 * module returns crashes the process. Calls are synchronous pkcs11js calls (tens of microseconds
 * each with SoftHSM); the async variants were slower here and have crashed without OS locking.
 * The PIN is kept in memory (to log in again after a session loss) and never appears in a message.
 */

export interface Pkcs11TokenConfig {
  /** Path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  readonly modulePath: string;
  /** Label of the token (as set by `softhsm2-util --init-token --label`). */
  readonly tokenLabel: string;
  readonly pin: PinSource;
  /** Most sessions open at once; default 4. */
  readonly poolSize?: number;
}

/** The attributes that show whether a key can leave the token. */
export interface Pkcs11KeyAttributes {
  readonly label: string;
  readonly id: string;
  readonly token: boolean;
  readonly private: boolean;
  readonly sensitive: boolean;
  readonly extractable: boolean;
  readonly alwaysSensitive: boolean;
  readonly neverExtractable: boolean;
  readonly valueLen: number;
}

/** A token key as callers refer to it: by label; `id` is its CKA_ID in hex. */
export interface Pkcs11KeyRef {
  readonly label: string;
  readonly id: string;
}

/** What a key made by generateAesKey may do: encrypt/decrypt data (GCM) or wrap/unwrap keys (RFC 5649). */
export type Pkcs11KeyUsage = "encrypt" | "wrap";

/** No AES secret key with that label exists on the token. */
export class Pkcs11KeyNotFoundError extends Error {
  constructor(readonly keyLabel: string) {
    super(`no AES key labelled "${keyLabel}" on the token`);
    this.name = "Pkcs11KeyNotFoundError";
  }
}

/** generateAesKey was asked for a label that another key already has. */
export class Pkcs11KeyExistsError extends Error {
  constructor(readonly keyLabel: string) {
    super(`a key labelled "${keyLabel}" already exists on the token`);
    this.name = "Pkcs11KeyExistsError";
  }
}

const MAX_ATTEMPTS = 2;

export class Pkcs11Token {
  readonly #config: Pkcs11TokenConfig;
  readonly #module: LoadedModule;
  readonly #b: Binding;
  readonly #pin: string;
  readonly #pool: SessionPool<Handle>;
  /** label -> object handle, valid while the login state lasts. */
  readonly #handles = new Map<string, Handle>();
  #slot: Handle | undefined;
  #loginFailure: KeystoreError | undefined;
  #closed = false;

  private constructor(config: Pkcs11TokenConfig, module: LoadedModule, pin: string) {
    this.#config = config;
    this.#module = module;
    this.#b = binding();
    this.#pin = pin;
    this.#pool = new SessionPool<Handle>({
      size: config.poolSize ?? 4,
      open: () => this.#openSession(),
      close: (s) => this.#module.lib.C_CloseSession(s),
    });
  }

  /**
   * Loads the module (once per process), finds the token by label and logs in. A wrong PIN, a
   * missing token or a module that cannot be loaded gives KeystoreError("unavailable") with a
   * message that says which.
   */
  static async open(config: Pkcs11TokenConfig): Promise<Pkcs11Token> {
    const pin = readPin(config.pin);
    const module = acquireModule(config.modulePath);
    const token = new Pkcs11Token(config, module, pin);
    try {
      await token.#run("login", () => undefined);
    } catch (e) {
      await token.close();
      throw e;
    }
    return token;
  }

  get label(): string {
    return this.#config.tokenLabel;
  }

  get modulePath(): string {
    return this.#config.modulePath;
  }

  /** Whether the token offers CKM_AES_GCM for encrypt and decrypt. */
  async supportsAesGcm(): Promise<boolean> {
    return this.#supports(this.#b.CKM_AES_GCM, this.#b.CKF_ENCRYPT | this.#b.CKF_DECRYPT);
  }

  /** Whether the token offers CKM_AES_KEY_WRAP_PAD (RFC 5649) for wrap and unwrap. */
  async supportsAesKeyWrapPad(): Promise<boolean> {
    return this.#supports(this.#b.CKM_AES_KEY_WRAP_PAD, this.#b.CKF_WRAP | this.#b.CKF_UNWRAP);
  }

  /** Labels of the AES secret keys on the token whose label starts with `prefix`, sorted. */
  async listAesKeys(prefix = ""): Promise<string[]> {
    return this.#run("list keys", (s) => {
      const lib = this.#module.lib;
      const found = this.#findAll(s, [
        { type: this.#b.CKA_CLASS, value: this.#b.CKO_SECRET_KEY },
        { type: this.#b.CKA_KEY_TYPE, value: this.#b.CKK_AES },
        { type: this.#b.CKA_TOKEN, value: true },
      ]);
      const labels: string[] = [];
      for (const h of found) {
        const label = lib.C_GetAttributeValue(s, h, [{ type: this.#b.CKA_LABEL }])[0]?.value.toString("utf8") ?? "";
        if (label.startsWith(prefix)) {
          labels.push(label);
          this.#handles.set(label, h);
        }
      }
      return labels.sort();
    });
  }

  async hasKey(label: string): Promise<boolean> {
    return this.#run("find key", (s) => this.#findKey(s, label) !== undefined);
  }

  /**
   * Generates a non-extractable, sensitive AES-256 key as a token object (CKA_TOKEN, private,
   * not modifiable). `usage` "encrypt" (default) allows encrypt/decrypt, "wrap" allows
   * wrap/unwrap. Refuses a label that is already taken.
   */
  async generateAesKey(label: string, options: { usage?: Pkcs11KeyUsage; id?: Buffer } = {}): Promise<Pkcs11KeyRef> {
    if (label.length === 0) throw new RangeError("a key label must not be empty");
    const id = options.id ?? randomBytes(16);
    const wrap = options.usage === "wrap";
    const b = this.#b;
    return this.#run("generate key", (s) => {
      if (this.#findKey(s, label) !== undefined) throw new Pkcs11KeyExistsError(label);
      const template: Template = [
        { type: b.CKA_CLASS, value: b.CKO_SECRET_KEY },
        { type: b.CKA_KEY_TYPE, value: b.CKK_AES },
        { type: b.CKA_VALUE_LEN, value: 32 },
        { type: b.CKA_TOKEN, value: true },
        { type: b.CKA_PRIVATE, value: true },
        { type: b.CKA_SENSITIVE, value: true },
        { type: b.CKA_EXTRACTABLE, value: false },
        { type: b.CKA_MODIFIABLE, value: false },
        { type: b.CKA_LABEL, value: label },
        { type: b.CKA_ID, value: id },
        { type: b.CKA_ENCRYPT, value: !wrap },
        { type: b.CKA_DECRYPT, value: !wrap },
        { type: b.CKA_WRAP, value: wrap },
        { type: b.CKA_UNWRAP, value: wrap },
        { type: b.CKA_SIGN, value: false },
        { type: b.CKA_VERIFY, value: false },
        { type: b.CKA_DERIVE, value: false },
      ];
      const h = this.#module.lib.C_GenerateKey(s, { mechanism: b.CKM_AES_KEY_GEN }, template);
      this.#handles.set(label, h);
      return { label, id: id.toString("hex") };
    });
  }

  /** Destroys the key object. Irreversible: whatever it encrypted can no longer be decrypted. */
  async destroyKey(label: string): Promise<void> {
    await this.#run("destroy key", (s) => {
      const h = this.#findKey(s, label);
      if (h === undefined) throw new Pkcs11KeyNotFoundError(label);
      this.#module.lib.C_DestroyObject(s, h);
      this.#handles.delete(label);
    });
  }

  /** Reads the attributes that say whether the key can leave the token. */
  async keyAttributes(label: string): Promise<Pkcs11KeyAttributes> {
    const b = this.#b;
    return this.#run("read key attributes", (s) => {
      const h = this.#requireKey(s, label);
      const attrs = this.#module.lib.C_GetAttributeValue(s, h, [
        { type: b.CKA_ID },
        { type: b.CKA_TOKEN },
        { type: b.CKA_PRIVATE },
        { type: b.CKA_SENSITIVE },
        { type: b.CKA_EXTRACTABLE },
        { type: b.CKA_ALWAYS_SENSITIVE },
        { type: b.CKA_NEVER_EXTRACTABLE },
        { type: b.CKA_VALUE_LEN },
      ]);
      const get = (type: number): Buffer => attrs.find((a) => a.type === type)?.value ?? Buffer.alloc(0);
      const flag = (type: number): boolean => get(type)[0] === 1;
      const len = get(b.CKA_VALUE_LEN);
      return {
        label,
        id: get(b.CKA_ID).toString("hex"),
        token: flag(b.CKA_TOKEN),
        private: flag(b.CKA_PRIVATE),
        sensitive: flag(b.CKA_SENSITIVE),
        extractable: flag(b.CKA_EXTRACTABLE),
        alwaysSensitive: flag(b.CKA_ALWAYS_SENSITIVE),
        neverExtractable: flag(b.CKA_NEVER_EXTRACTABLE),
        valueLen: len.length >= 4 ? len.readUInt32LE(0) : (len[0] ?? 0),
      };
    });
  }

  /** AES-GCM (128-bit tag) inside the token with the key `keyLabel`; returns ciphertext || tag. */
  async encryptGcm(keyLabel: string, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Buffer> {
    const mech = this.#gcm(iv, aad);
    return this.#run("AES-GCM encrypt", (s) => {
      const lib = this.#module.lib;
      lib.C_EncryptInit(s, mech, this.#requireKey(s, keyLabel));
      return lib.C_Encrypt(s, asBuffer(plaintext), Buffer.alloc(plaintext.length + 16));
    });
  }

  /**
   * AES-GCM decrypt inside the token. Any failure to authenticate (wrong key, AAD, IV or a
   * changed ciphertext; SoftHSM reports a wrong AAD as CKR_GENERAL_ERROR) gives
   * KeystoreError("unwrap-failed").
   */
  async decryptGcm(keyLabel: string, iv: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Promise<SecretBytes> {
    if (ciphertextAndTag.length < 16) throw new KeystoreError("unwrap-failed", "ciphertext too short");
    const mech = this.#gcm(iv, aad);
    return this.#run(
      "AES-GCM decrypt",
      (s) => {
        const lib = this.#module.lib;
        lib.C_DecryptInit(s, mech, this.#requireKey(s, keyLabel));
        const out = Buffer.alloc(ciphertextAndTag.length);
        return SecretBytes.adopt(lib.C_Decrypt(s, asBuffer(ciphertextAndTag), out));
      },
      "decrypt",
    );
  }

  /**
   * The attributes of the material wrapKeyPad wraps and unwrapKeyPad unwraps: a generic secret that
   * lives only in the session, and that this process may read back.
   */
  #readableSessionSecret(): Template {
    const b = this.#b;
    return [
      { type: b.CKA_CLASS, value: b.CKO_SECRET_KEY },
      { type: b.CKA_KEY_TYPE, value: b.CKK_GENERIC_SECRET },
      { type: b.CKA_TOKEN, value: false },
      { type: b.CKA_PRIVATE, value: true },
      { type: b.CKA_SENSITIVE, value: false },
      { type: b.CKA_EXTRACTABLE, value: true },
    ];
  }

  /**
   * RFC 5649 (CKM_AES_KEY_WRAP_PAD) wrap of `material` under the token key `keyLabel`: the
   * material becomes a short-lived session object, is wrapped, and the object is destroyed.
   */
  async wrapKeyPad(keyLabel: string, material: Uint8Array): Promise<Buffer> {
    const b = this.#b;
    return this.#run("AES key wrap", (s) => {
      const lib = this.#module.lib;
      const wrappingKey = this.#requireKey(s, keyLabel);
      const obj = lib.C_CreateObject(s, [...this.#readableSessionSecret(), { type: b.CKA_VALUE, value: asBuffer(material) }]);
      try {
        return lib.C_WrapKey(s, { mechanism: b.CKM_AES_KEY_WRAP_PAD }, wrappingKey, obj, Buffer.alloc(material.length + 16));
      } finally {
        lib.C_DestroyObject(s, obj);
      }
    });
  }

  /** Inverse of wrapKeyPad; a blob that does not unwrap gives KeystoreError("unwrap-failed"). */
  async unwrapKeyPad(keyLabel: string, blob: Uint8Array): Promise<SecretBytes> {
    const b = this.#b;
    return this.#run(
      "AES key unwrap",
      (s) => {
        const lib = this.#module.lib;
        const obj = lib.C_UnwrapKey(
          s,
          { mechanism: b.CKM_AES_KEY_WRAP_PAD },
          this.#requireKey(s, keyLabel),
          asBuffer(blob),
          this.#readableSessionSecret(),
        );
        try {
          const value = lib.C_GetAttributeValue(s, obj, [{ type: b.CKA_VALUE }])[0]?.value;
          if (value === undefined) throw new KeystoreError("unwrap-failed", "unwrapped object has no value");
          return SecretBytes.adopt(value);
        } finally {
          lib.C_DestroyObject(s, obj);
        }
      },
      "decrypt",
    );
  }

  /**
   * Runs `fn` with the raw pkcs11js module and a logged-in session of the pool, for operations
   * this class does not wrap (tests; custom key stores). `fn` must finish every operation it
   * starts on the session before returning. Errors map like every other call.
   */
  async withSession<T>(what: string, fn: (lib: PKCS11, session: Handle, findKey: (label: string) => Handle | undefined) => T): Promise<T> {
    return this.#run(what, (s) => fn(this.#module.lib, s, (label) => this.#findKey(s, label)));
  }

  /** Closes the sessions and releases the module (finalized when no other token of this process uses it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#pool.close();
    this.#handles.clear();
    releaseModule(this.#module);
  }

  // -------------------------------------------------------------------------------------------

  async #supports(mechanism: number, flags: number): Promise<boolean> {
    return this.#run("read mechanisms", () => {
      const lib = this.#module.lib;
      const slot = this.#slot ?? this.#findSlot();
      if (!lib.C_GetMechanismList(slot).includes(mechanism)) return false;
      return (lib.C_GetMechanismInfo(slot, mechanism).flags & flags) === flags;
    });
  }

  #gcm(iv: Uint8Array, aad: Uint8Array): Mechanism {
    if (iv.length < 1 || iv.length > 128) throw new RangeError("AES-GCM IV must be 1..128 bytes");
    const parameter: AesGCM = { type: this.#b.CK_PARAMS_AES_GCM, iv: asBuffer(iv), ivBits: iv.length * 8, tagBits: 128 };
    if (aad.length > 0) parameter.aad = asBuffer(aad);
    return { mechanism: this.#b.CKM_AES_GCM, parameter };
  }

  /**
   * Runs one synchronous PKCS#11 operation on a pooled session and maps every failure to a
   * KeystoreError. A lost session or token is retried once on a fresh session (slot looked up
   * again by label); a stale key handle once after forgetting the handle cache. `kind` "decrypt"
   * maps an operation failure to "unwrap-failed" (no detail: it must not be an oracle).
   */
  async #run<T>(what: string, op: (session: Handle) => T, kind: "decrypt" | "other" = "other"): Promise<T> {
    const cls = classes();
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (this.#closed) throw new KeystoreError("unavailable", `the PKCS#11 token "${this.label}" is closed`);
      let session: Handle;
      try {
        session = await this.#pool.acquire();
      } catch (e) {
        if (e instanceof KeystoreError) throw e; // login refused, token not found
        if (e instanceof SessionPoolClosedError) throw new KeystoreError("unavailable", `the PKCS#11 token "${this.label}" is closed`);
        const code = ckrCode(e);
        if (code !== undefined && (cls.deviceGone.has(code) || cls.sessionLost.has(code))) {
          this.#lost(code);
          lastError = e;
          continue;
        }
        throw new KeystoreError("unavailable", `PKCS#11 ${what} on token "${this.label}": cannot open a session (${ckrName(e)})`);
      }
      try {
        const result = op(session);
        this.#pool.release(session);
        return result;
      } catch (e) {
        const code = ckrCode(e);
        if (code !== undefined && (cls.deviceGone.has(code) || cls.sessionLost.has(code))) {
          this.#pool.discard(session);
          this.#lost(code);
          lastError = e;
          continue;
        }
        if (code !== undefined && cls.staleHandle.has(code)) {
          this.#pool.release(session);
          this.#handles.clear();
          lastError = e;
          continue;
        }
        if (e instanceof KeystoreError || e instanceof Pkcs11KeyNotFoundError || e instanceof Pkcs11KeyExistsError) {
          // Ours: raised before any operation started on the session.
          this.#pool.release(session);
          throw e;
        }
        if (kind === "decrypt") {
          // A failed C_Decrypt ends the operation; the session stays usable.
          this.#pool.release(session);
          throw new KeystoreError("unwrap-failed", "the token could not decrypt the wrapped key");
        }
        // Unknown state after an unexpected error: do not reuse the session.
        this.#pool.discard(session);
        throw new KeystoreError("unavailable", `PKCS#11 ${what} on token "${this.label}" failed: ${ckrName(e)}`);
      }
    }
    throw new KeystoreError("unavailable", `PKCS#11 ${what}: token "${this.label}" is unavailable (${ckrName(lastError)})`);
  }

  /** The session or the token went away: retire every session and cached handle; maybe re-find the slot. */
  #lost(code: number): void {
    this.#pool.invalidate();
    this.#handles.clear();
    if (classes().deviceGone.has(code)) this.#slot = undefined;
  }

  #findSlot(): Handle {
    const lib = this.#module.lib;
    const present: string[] = [];
    const matches: Handle[] = [];
    for (const slot of lib.C_GetSlotList(true)) {
      let label: string;
      try {
        label = lib.C_GetTokenInfo(slot).label.trimEnd();
      } catch {
        continue;
      }
      present.push(label);
      if (label === this.#config.tokenLabel) matches.push(slot);
    }
    const [first, ...more] = matches;
    if (first === undefined) {
      const list = present.length > 0 ? present.map((l) => `"${l}"`).join(", ") : "none";
      throw new KeystoreError(
        "unavailable",
        `no PKCS#11 token labelled "${this.#config.tokenLabel}" in ${this.#config.modulePath} (tokens present: ${list})`,
      );
    }
    if (more.length > 0) {
      throw new KeystoreError("unavailable", `${matches.length} PKCS#11 tokens are labelled "${this.#config.tokenLabel}"; labels must be unique`);
    }
    return first;
  }

  /** Pool callback: opens a read/write session and logs in (a second login on the token is a no-op). */
  #openSession(): Handle {
    if (this.#loginFailure !== undefined) throw this.#loginFailure;
    const lib = this.#module.lib;
    const b = this.#b;
    // With no session open the login state (and, in some modules, object handles) is gone.
    if (this.#pool.openCount === 0) this.#handles.clear();
    this.#slot ??= this.#findSlot();
    const session = lib.C_OpenSession(this.#slot, b.CKF_SERIAL_SESSION | b.CKF_RW_SESSION);
    const label = this.#config.tokenLabel;
    const digest = createHash("sha256").update(this.#pin, "utf8").digest();
    const refuse = (why: string): never => {
      try {
        lib.C_CloseSession(session);
      } catch {
        // ignore
      }
      // Latched: retrying a wrong PIN would count down the token's retry counter.
      this.#loginFailure = new KeystoreError("unavailable", `PKCS#11 login to token "${label}" failed: the PIN was refused (${why}); not retrying`);
      throw this.#loginFailure;
    };
    try {
      lib.C_Login(session, b.CKU_USER, this.#pin);
      this.#module.pinDigests.set(label, digest);
    } catch (e) {
      const code = ckrCode(e);
      if (code === b.CKR_USER_ALREADY_LOGGED_IN) {
        const known = this.#module.pinDigests.get(label);
        if (known !== undefined && !timingSafeEqual(known, digest)) refuse("it differs from the PIN this process is logged in with");
        return session;
      }
      if (code !== undefined && classes().pinRefused.has(code)) refuse(ckrName(e));
      try {
        lib.C_CloseSession(session);
      } catch {
        // ignore
      }
      throw e;
    }
    return session;
  }

  #findAll(session: Handle, template: Template): Handle[] {
    const lib = this.#module.lib;
    lib.C_FindObjectsInit(session, template);
    try {
      const out: Handle[] = [];
      for (;;) {
        const batch = lib.C_FindObjects(session, 64);
        if (batch.length === 0) return out;
        out.push(...batch);
      }
    } finally {
      lib.C_FindObjectsFinal(session);
    }
  }

  #findKey(session: Handle, label: string): Handle | undefined {
    const cached = this.#handles.get(label);
    if (cached !== undefined) return cached;
    const b = this.#b;
    const found = this.#findAll(session, [
      { type: b.CKA_CLASS, value: b.CKO_SECRET_KEY },
      { type: b.CKA_KEY_TYPE, value: b.CKK_AES },
      { type: b.CKA_TOKEN, value: true },
      { type: b.CKA_LABEL, value: label },
    ]);
    const [first, ...more] = found;
    if (first === undefined) return undefined;
    if (more.length > 0) throw new KeystoreError("unavailable", `${found.length} token keys are labelled "${label}"; labels must be unique`);
    this.#handles.set(label, first);
    return first;
  }

  #requireKey(session: Handle, label: string): Handle {
    const h = this.#findKey(session, label);
    if (h === undefined) throw new Pkcs11KeyNotFoundError(label);
    return h;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
