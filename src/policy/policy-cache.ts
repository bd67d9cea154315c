import { compilePolicy, type CompiledPolicy, type PolicyKind } from "./policy-document.js";

type Entry = { readonly policy: CompiledPolicy } | { readonly error: unknown };

/**
 * Compiled policies by kind and text, least recently used evicted first. A document is compiled
 * once however many requests it decides; a document that does not compile keeps its error.
 * Each kind has its own map keyed by the text itself (no key string is built per request: a key
 * policy is up to 32 KB, and a string's hash is computed once per string).
 */
export class PolicyCache {
  readonly #max: number;
  readonly #entries: Record<PolicyKind, Map<string, Entry>> = { key: new Map(), identity: new Map() };
  #compiles = 0;
  #hits = 0;

  constructor(maxEntries = 1024) {
    this.#max = Math.max(1, maxEntries);
  }

  /** The compiled policy; throws the KmsError compilation raised. */
  get(kind: PolicyKind, text: string): CompiledPolicy {
    const map = this.#entries[kind];
    let e = map.get(text);
    if (e !== undefined) {
      this.#hits++;
      // Recently used entries move to the end, but only once the map is half full: until then
      // nothing is evicted and the move would be wasted work on every request.
      if (map.size > this.#max / 2) {
        map.delete(text);
        map.set(text, e);
      }
    } else {
      this.#compiles++;
      try {
        e = { policy: compilePolicy(text, kind) };
      } catch (err) {
        e = { error: err };
      }
      map.set(text, e);
      if (this.size > this.#max) {
        const victim = this.#entries.key.size >= this.#entries.identity.size ? this.#entries.key : this.#entries.identity;
        const oldest = victim.keys().next();
        if (oldest.done !== true) victim.delete(oldest.value);
      }
    }
    if ("error" in e) throw e.error;
    return e.policy;
  }

  get size(): number {
    return this.#entries.key.size + this.#entries.identity.size;
  }

  get stats(): { readonly compiles: number; readonly hits: number; readonly size: number } {
    return { compiles: this.#compiles, hits: this.#hits, size: this.size };
  }
}
