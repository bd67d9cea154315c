import { strict as assert } from "node:assert";
import type { TestContext } from "node:test";
import { DuplicateEntry, RevisionConflict, type Store } from "./store.js";

/** A fresh store of the backend under test, for one contract test. */
export interface ContractHarness {
  store: Store;
  readonly injectFailures: (n: number) => void;
  /** Undefined when the backend cannot be reopened. */
  readonly reopen: (() => Promise<void>) | undefined;
}

/** Wraps a contract test's body: opens a fresh store, runs the body, and always cleans up. */
export type ContractTest = (body: (h: ContractHarness, t: TestContext) => Promise<void>) => (t: TestContext) => Promise<void>;

/** One kind of write, for the injected-failure tests. */
export interface WriteCase {
  readonly method: string;
  readonly act: (s: Store) => Promise<unknown>;
  /** Asserts that the write took effect. */
  readonly check: (s: Store) => Promise<void>;
}

/**
 * The injected-failure test of one write: on the seeded store, the write fails by injection (not
 * as a conflict or duplicate) and leaves the snapshot exactly as before, also once reopened; the
 * next attempt succeeds and its effect is there, also once reopened.
 */
export function injectedWriteFailure<S>(
  c: WriteCase,
  seed: (s: Store) => Promise<void>,
  snapshot: (s: Store) => Promise<S>,
): (h: ContractHarness) => Promise<void> {
  return async (h) => {
    await seed(h.store);
    const before = await snapshot(h.store);
    h.injectFailures(1);
    await assert.rejects(c.act(h.store), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.ok(!(e instanceof RevisionConflict) && !(e instanceof DuplicateEntry), `unexpected ${String(e)}`);
      return true;
    });
    assert.deepEqual(await snapshot(h.store), before);
    if (h.reopen !== undefined) {
      await h.reopen();
      assert.deepEqual(await snapshot(h.store), before, "nothing of the failed write reached the disk");
    }
    await c.act(h.store);
    await c.check(h.store);
    if (h.reopen !== undefined) {
      await h.reopen();
      await c.check(h.store);
    }
  };
}
