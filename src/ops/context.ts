import type { Authorizer, AuthzRequest, Caller } from "../policy/authorizer.js";
import type { Store } from "../store/store.js";
import type { CustomKeyStores } from "./support/custom-key-stores.js";
import type { KeyMaterials } from "./support/key-materials.js";

export type { Caller } from "../policy/authorizer.js";

export interface ServiceLimits {
  /** Max plaintext for symmetric Encrypt (AWS: 4096). */
  readonly maxPlaintextBytes: number;
  /** Grants per KMS key (AWS's quota: 50,000, the default); tests lower it. */
  readonly grantsPerKey?: number;
}

/**
 * What an operation receives besides its input. Operations have no module-level state: the
 * clock, random source, store and keystore all come from here, so tests can inject them.
 */
export interface OpContext {
  readonly caller: Caller;
  readonly requestId: string;
  /** Epoch milliseconds. */
  readonly now: () => number;
  readonly random: (n: number) => Buffer;
  readonly store: Store;
  readonly materials: KeyMaterials;
  readonly authorizer: Authorizer;
  /** Records that a policy decision was made for this request (the dispatcher checks it). */
  readonly authorized: { count: number };
  /** ARNs of keys this request resolved, in order (the audit record's resources). */
  readonly resolvedKeys: string[];
  readonly limits: ServiceLimits;
  /** Custom key stores (PKCS#11 tokens) and the keys in them; absent in unit tests that need none. */
  readonly customKeyStores?: CustomKeyStores | undefined;
}

export type { AuthzRequest };
