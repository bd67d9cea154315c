import { compilePolicy, type CompiledPolicy, type PolicyKind } from "./policy-document.js";

type Entry = { readonly policy: CompiledPolicy } | { readonly error: unknown };

/**
 * Compiled policies by kind and text, least recently used evicted first. A document is compiled
 * once however many requests it decides; a document that does not compile keeps its error.
 */
export class PolicyCache {
  readonly #max: number;
  readonly #entries = new Map<string, Entry>();
  #compiles = 0;
  #hits = 0;

  constructor(maxEntries = 1024) {
    this.#max = Math.max(1, maxEntries);
  }

  /** The compiled policy; throws the KmsError compilation raised. */
  get(kind: PolicyKind, text: string): CompiledPolicy {
    const k = `${kind}\u0000${text}`;
    let e = this.#entries.get(k);
    if (e !== undefined) {
      this.#hits++;
      this.#entries.delete(k);
      this.#entries.set(k, e);
    } else {
      this.#compiles++;
      try {
        e = { policy: compilePolicy(text, kind) };
      } catch (err) {
        e = { error: err };
      }
      this.#entries.set(k, e);
      if (this.#entries.size > this.#max) {
        const oldest = this.#entries.keys().next();
        if (oldest.done !== true) this.#entries.delete(oldest.value);
      }
    }
    if ("error" in e) throw e.error;
    return e.policy;
  }

  get stats(): { readonly compiles: number; readonly hits: number; readonly size: number } {
    return { compiles: this.#compiles, hits: this.#hits, size: this.#entries.size };
  }
}
