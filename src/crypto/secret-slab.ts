import { SecretBytes } from "./secret-bytes.js";

/**
 * Long-lived secrets of one size (256-bit backing keys) packed side by side into shared chunks.
 *
 * A Buffer of its own costs far more than its 32 bytes: an ArrayBuffer, a native backing store
 * and a malloc'd block (about 200 bytes of overhead), which for 100,000 cached backing keys is
 * 20 MB of resident memory. Here each secret is a 32-byte view of a 64 KB chunk.
 *
 * `take` copies bytes into a free slot and returns a SecretBytes over that slot; `release` zeroes
 * the slot (disposing the SecretBytes, so any later `expose()` of it throws) and returns it to
 * the free list. Chunks are kept for the life of the slab; a released slot holds zeros.
 */
export class SecretSlab {
  readonly #slotBytes: number;
  readonly #slotsPerChunk: number;
  readonly #chunks: Buffer[] = [];
  /** Free slots, as chunk * slotsPerChunk + slot. */
  readonly #free: number[] = [];
  /** The slot of every secret taken and not released yet. */
  readonly #slotOf = new WeakMap<SecretBytes, number>();
  /** Slots never used yet start here. */
  #fresh = 0;
  #inUse = 0;

  constructor(slotBytes = 32, slotsPerChunk = 2048) {
    this.#slotBytes = slotBytes;
    this.#slotsPerChunk = slotsPerChunk;
  }

  get slotBytes(): number {
    return this.#slotBytes;
  }

  /** Slots holding a secret. */
  get inUse(): number {
    return this.#inUse;
  }

  /** Copies `bytes` (exactly slotBytes long) into a slot. */
  take(bytes: Uint8Array): SecretBytes {
    if (bytes.length !== this.#slotBytes) throw new RangeError(`a slab slot holds ${this.#slotBytes} bytes, not ${bytes.length}`);
    const slot = this.#free.pop() ?? this.#fresh++;
    const chunkIndex = Math.floor(slot / this.#slotsPerChunk);
    let chunk = this.#chunks[chunkIndex];
    if (chunk === undefined) {
      // Not from Node's shared pool: a chunk is ours alone, and zeroed at birth.
      chunk = Buffer.alloc(this.#slotBytes * this.#slotsPerChunk);
      this.#chunks[chunkIndex] = chunk;
    }
    const start = (slot % this.#slotsPerChunk) * this.#slotBytes;
    const view = chunk.subarray(start, start + this.#slotBytes);
    view.set(bytes);
    this.#inUse++;
    const secret = SecretBytes.adopt(view);
    this.#slotOf.set(secret, slot);
    return secret;
  }

  /** Whether `secret` is one of this slab's, not released yet. */
  owns(secret: SecretBytes): boolean {
    return this.#slotOf.has(secret);
  }

  /**
   * Zeroes and disposes a secret `take` returned, and frees its slot. The slot is found without
   * the secret's bytes, so a secret someone already disposed still gives its slot back.
   */
  release(secret: SecretBytes): void {
    const slot = this.#slotOf.get(secret);
    if (slot === undefined) throw new Error("not a secret of this slab, or released already");
    this.#slotOf.delete(secret);
    secret.dispose();
    const chunk = this.#chunks[Math.floor(slot / this.#slotsPerChunk)] as Buffer;
    const start = (slot % this.#slotsPerChunk) * this.#slotBytes;
    chunk.fill(0, start, start + this.#slotBytes);
    this.#free.push(slot);
    this.#inUse--;
  }
}
