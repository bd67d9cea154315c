import type { SecretBytes } from "../crypto/secret-bytes.js";

/** Key material as persisted: only ever wrapped under a root-key version. */
export interface WrappedKey {
  /** Which root version wrapped it. */
  readonly rootVersion: string;
  readonly blob: Buffer;
}

export interface KeystoreStatus {
  readonly kind: string;
  /** A sealed keystore refuses wrap/unwrap until unsealed. */
  readonly sealed: boolean;
  readonly rootVersion: string | undefined;
}

/**
 * The root of trust. Implementations: software (sealed root file), PKCS#11 HSM, Shamir-sealed.
 * `binding` ties a wrapped blob to what it belongs to (e.g. key id + material id) so that a blob
 * cannot be moved to another key.
 */
export interface Keystore {
  status(): KeystoreStatus;
  /** Wraps under the current root version. */
  wrap(material: SecretBytes, binding: Uint8Array): Promise<WrappedKey>;
  /** Unwraps with the root version the blob names; throws KeystoreError on failure. */
  unwrap(wrapped: WrappedKey, binding: Uint8Array): Promise<SecretBytes>;
  /** Adds a new root version and makes it current. Old versions still unwrap until retired. */
  rotateRoot(): Promise<string>;
  /** Root versions that can still unwrap. */
  rootVersions(): readonly string[];
  /** Forgets a root version that nothing refers to any more. */
  retireRootVersion(version: string): Promise<void>;
  close(): Promise<void>;
}

export class KeystoreError extends Error {
  constructor(
    readonly reason: "sealed" | "unknown-root-version" | "unwrap-failed" | "unavailable",
    message: string,
  ) {
    super(message);
    this.name = "KeystoreError";
  }
}
