import { inspect } from "node:util";

/**
 * Holder for plaintext, key material and data keys.
 *
 * It cannot be logged, stringified or JSON-serialised by accident: every such path prints
 * "[SecretBytes]". The bytes are reached only through `expose()` (grep for it to find every
 * place plaintext is touched) and are zeroed by `dispose()`.
 */
export class SecretBytes {
  #bytes: Buffer;
  #disposed = false;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  /** Takes ownership of `bytes`: the caller must not keep using the buffer. */
  static adopt(bytes: Buffer): SecretBytes {
    return new SecretBytes(bytes);
  }

  /** Copies `bytes`; the caller remains responsible for its own buffer. */
  static copyOf(bytes: Uint8Array): SecretBytes {
    return new SecretBytes(Buffer.from(bytes));
  }

  get length(): number {
    return this.#bytes.length;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** The raw bytes. Every call site is a place where plaintext or key material is handled. */
  expose(): Buffer {
    if (this.#disposed) throw new Error("SecretBytes used after dispose");
    return this.#bytes;
  }

  /** Constant-time comparison with another secret of the same length. */
  equals(other: SecretBytes): boolean {
    const a = this.expose();
    const b = other.expose();
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
    return diff === 0;
  }

  /** Zeroes the bytes. Idempotent. */
  dispose(): void {
    if (!this.#disposed) {
      this.#bytes.fill(0);
      this.#disposed = true;
    }
  }

  toString(): string {
    return "[SecretBytes]";
  }

  toJSON(): string {
    return "[SecretBytes]";
  }

  [inspect.custom](): string {
    return "[SecretBytes]";
  }
}
