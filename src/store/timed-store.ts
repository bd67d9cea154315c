import { performance } from "node:perf_hooks";
import type { Store } from "./store.js";

/** Whether a Store method writes, judged by its name (createKey, updateAlias, addKeyUsage, ...). */
export function isWriteMethod(name: string): boolean {
  return /^(create|update|delete|put|replace|reset|add|start)[A-Z]/.test(name);
}

/** Called once per write when it settles. */
export type WriteObserver = (method: string, seconds: number, ok: boolean) => void;

/**
 * The same store with its write methods timed. Reads, and any member that is not a method, pass
 * through untouched; methods a backend adds (test hooks such as failWrites) keep working, and
 * `instanceof` still sees the backend's class. A thin Proxy rather than a class, so that a method
 * added to Store later is covered without editing this file.
 */
export function timedStore<S extends Store>(store: S, observe: WriteObserver): S {
  const members = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      const cached = members.get(prop);
      if (cached !== undefined) return cached;
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      const fn = value as (...args: unknown[]) => unknown;
      const name = typeof prop === "string" ? prop : "";
      const member = isWriteMethod(name)
        ? (...args: unknown[]) => {
            const started = performance.now();
            const done = (ok: boolean) => {
              try {
                observe(name, (performance.now() - started) / 1000, ok);
              } catch {
                // An observer never breaks a write.
              }
            };
            const out = fn.apply(target, args);
            if (out instanceof Promise) {
              return out.then(
                (v: unknown) => (done(true), v),
                (e: unknown) => (done(false), Promise.reject(e)),
              );
            }
            done(true);
            return out;
          }
        : fn.bind(target);
      members.set(prop, member);
      return member;
    },
  });
}
