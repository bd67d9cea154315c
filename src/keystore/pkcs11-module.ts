import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { PKCS11 } from "pkcs11js";
import { KeystoreError } from "./keystore.js";

/**
 * The PKCS#11 module layer under Pkcs11Token: loading the native binding lazily, one
 * C_Initialize per module per process (shared by every token opened on it, finalized with the
 * last), classification of CKR_* codes, and reading the PIN from its source.
 */

/**
 * Where the user PIN comes from: a file (its content, trailing newline removed), an environment
 * variable, or the PIN itself (a custom key store's password, unwrapped from the store just before).
 */
export type PinSource = { readonly file: string } | { readonly env: string } | { readonly value: string };

export type Binding = typeof import("pkcs11js");

let bindingCache: Binding | undefined;
/** Loads the native binding on first use, so that software-only deployments never load it. */
export function binding(): Binding {
  if (bindingCache === undefined) {
    try {
      bindingCache = createRequire(import.meta.url)("pkcs11js") as Binding;
    } catch (e) {
      throw new KeystoreError("unavailable", `the pkcs11js native binding cannot be loaded: ${errorText(e)}`);
    }
  }
  return bindingCache;
}

// ---------------------------------------------------------------------------------------------
// Error classification
// ---------------------------------------------------------------------------------------------

/** CKR_* code of a pkcs11js error, when it carries one. */
export function ckrCode(e: unknown): number | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as Error & { code?: unknown }).code;
  return typeof code === "number" && e.message.startsWith("CKR_") ? code : undefined;
}

/** CKR_* name of a pkcs11js error ("CKR_PIN_INCORRECT"), or a short description. */
export function ckrName(e: unknown): string {
  const code = ckrCode(e);
  if (code !== undefined && e instanceof Error) return e.message.split(/\s/)[0] ?? `CKR_0x${code.toString(16)}`;
  return errorText(e);
}

export function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0] ?? text;
}

function codes(b: Binding, names: readonly string[]): ReadonlySet<number> {
  const table = b as unknown as Record<string, unknown>;
  const out = new Set<number>();
  for (const n of names) {
    const v = table[n];
    if (typeof v === "number") out.add(v);
  }
  return out;
}

export interface Classes {
  /** The session is gone or logged out: open a new one and try again. */
  readonly sessionLost: ReadonlySet<number>;
  /** The token or the module is gone: find the slot again, then try again once. */
  readonly deviceGone: ReadonlySet<number>;
  /** The PIN was refused: never retry on our own (tokens lock after a few attempts). */
  readonly pinRefused: ReadonlySet<number>;
  /** A cached object handle no longer names an object. */
  readonly staleHandle: ReadonlySet<number>;
}

let classesCache: Classes | undefined;
export function classes(): Classes {
  if (classesCache !== undefined) return classesCache;
  const b = binding();
  classesCache = {
    sessionLost: codes(b, ["CKR_SESSION_HANDLE_INVALID", "CKR_SESSION_CLOSED", "CKR_USER_NOT_LOGGED_IN"]),
    deviceGone: codes(b, [
      "CKR_DEVICE_REMOVED",
      "CKR_TOKEN_NOT_PRESENT",
      "CKR_TOKEN_NOT_RECOGNIZED",
      "CKR_DEVICE_ERROR",
      "CKR_DEVICE_MEMORY",
      "CKR_SLOT_ID_INVALID",
      "CKR_CRYPTOKI_NOT_INITIALIZED",
      "CKR_SESSION_COUNT",
    ]),
    pinRefused: codes(b, [
      "CKR_PIN_INCORRECT",
      "CKR_PIN_INVALID",
      "CKR_PIN_LEN_RANGE",
      "CKR_PIN_EXPIRED",
      "CKR_PIN_LOCKED",
      "CKR_USER_PIN_NOT_INITIALIZED",
    ]),
    staleHandle: codes(b, ["CKR_KEY_HANDLE_INVALID", "CKR_OBJECT_HANDLE_INVALID"]),
  };
  return classesCache;
}

// ---------------------------------------------------------------------------------------------
// Module registry: one C_Initialize per module per process, shared by every token opened on it.
// ---------------------------------------------------------------------------------------------

export interface LoadedModule {
  readonly path: string;
  readonly lib: PKCS11;
  /** False when someone else in the process had initialized the module: we must not finalize it. */
  readonly ownsInit: boolean;
  /**
   * Token label -> SHA-256 of the PIN this process logged in with. PKCS#11 login state belongs
   * to the application, so a second login answers CKR_USER_ALREADY_LOGGED_IN whatever the PIN;
   * this is how a second open with a wrong PIN is still refused.
   */
  readonly pinDigests: Map<string, Buffer>;
  refs: number;
}

const modules = new Map<string, LoadedModule>();

export function acquireModule(path: string): LoadedModule {
  const existing = modules.get(path);
  if (existing !== undefined) {
    existing.refs++;
    return existing;
  }
  const b = binding();
  const lib = new b.PKCS11();
  try {
    lib.load(path);
  } catch (e) {
    throw new KeystoreError("unavailable", `cannot load the PKCS#11 module ${path}: ${errorText(e)}`);
  }
  let ownsInit = true;
  try {
    // OS locking: the module may be called from libuv threads; without it SoftHSM crashed.
    lib.C_Initialize({ flags: b.CKF_OS_LOCKING_OK });
  } catch (e) {
    if (ckrCode(e) === b.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      ownsInit = false;
    } else {
      try {
        lib.close();
      } catch {
        // ignore
      }
      throw new KeystoreError("unavailable", `C_Initialize of ${path} failed: ${ckrName(e)}`);
    }
  }
  const m: LoadedModule = { path, lib, ownsInit, pinDigests: new Map(), refs: 1 };
  modules.set(path, m);
  return m;
}

export function releaseModule(m: LoadedModule): void {
  if (--m.refs > 0) return;
  modules.delete(m.path);
  try {
    if (m.ownsInit) m.lib.C_Finalize();
  } catch {
    // the module is going away either way
  }
  try {
    m.lib.close();
  } catch {
    // ignore
  }
}

/** Reads the PIN from its source; the message of any error names the source, never the PIN. */
export function readPin(source: PinSource): string {
  let pin: string | undefined;
  if ("value" in source) {
    if (source.value.length === 0) throw new KeystoreError("unavailable", "the PKCS#11 PIN is empty");
    return source.value;
  }
  if ("file" in source) {
    try {
      pin = readFileSync(source.file, "utf8").replace(/\r?\n$/, "");
    } catch (e) {
      throw new KeystoreError("unavailable", `cannot read the PKCS#11 PIN file ${source.file}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
    }
    if (pin.length === 0) throw new KeystoreError("unavailable", `the PKCS#11 PIN file ${source.file} is empty`);
  } else {
    pin = process.env[source.env];
    if (pin === undefined || pin.length === 0) {
      throw new KeystoreError("unavailable", `the PKCS#11 PIN environment variable ${source.env} is not set`);
    }
  }
  return pin;
}
