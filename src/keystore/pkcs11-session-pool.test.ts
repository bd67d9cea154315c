import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SessionPool, SessionPoolClosedError } from "./pkcs11-session-pool.js";

interface FakeSession {
  readonly id: number;
  closed: boolean;
}

function fakePool(size: number, opts: { failOpen?: () => boolean } = {}) {
  let next = 0;
  const opened: FakeSession[] = [];
  const pool = new SessionPool<FakeSession>({
    size,
    open: () => {
      if (opts.failOpen?.() === true) throw new Error("open failed");
      const s = { id: ++next, closed: false };
      opened.push(s);
      return s;
    },
    close: (s) => {
      s.closed = true;
    },
  });
  return { pool, opened };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("SessionPool", () => {
  test("concurrent users never hold the same session and never exceed the pool size", async () => {
    const { pool, opened } = fakePool(3);
    const inUse = new Set<number>();
    let peak = 0;
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        pool.use(async (s) => {
          assert.ok(!inUse.has(s.id), `session ${s.id} handed out twice`);
          inUse.add(s.id);
          peak = Math.max(peak, inUse.size);
          for (let k = 0; k < i % 3; k++) await tick();
          inUse.delete(s.id);
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.equal(opened.length, 3);
    assert.deepEqual(pool.stats, { idle: 3, busy: 0, waiting: 0, size: 3 });
  });

  test("one caller after another reuses the idle session instead of opening more", async () => {
    const { pool, opened } = fakePool(4);
    for (let i = 0; i < 20; i++) await pool.use(() => i);
    assert.equal(opened.length, 1);
  });

  test("waiters are served in arrival order", async () => {
    const { pool } = fakePool(1);
    const first = await pool.acquire();
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) => pool.acquire().then((s) => (order.push(n), pool.release(s))));
    assert.equal(pool.stats.waiting, 3);
    pool.release(first);
    await Promise.all(waiting);
    assert.deepEqual(order, [1, 2, 3]);
  });

  test("a discarded session is closed and a waiter gets a freshly opened one", async () => {
    const { pool, opened } = fakePool(1);
    const s1 = await pool.acquire();
    const waiter = pool.acquire();
    pool.discard(s1);
    const s2 = await waiter;
    assert.equal(s1.closed, true);
    assert.notEqual(s2.id, s1.id);
    assert.equal(opened.length, 2);
  });

  test("use() discards the session when the callback throws a breaking error and releases it otherwise", async () => {
    const { pool } = fakePool(1);
    let seen: FakeSession | undefined;
    await assert.rejects(pool.use((s) => ((seen = s), Promise.reject(new Error("boom")))), /boom/);
    assert.equal(seen?.closed, true);
    await assert.rejects(pool.use((s) => ((seen = s), Promise.reject(new Error("fine"))), () => false), /fine/);
    assert.equal(seen?.closed, false);
    assert.equal(pool.stats.idle, 1);
  });

  test("invalidate closes idle sessions now and busy ones when they come back", async () => {
    const { pool } = fakePool(2);
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.release(a);
    pool.invalidate();
    assert.equal(a.closed, true);
    assert.equal(b.closed, false);
    pool.release(b);
    assert.equal(b.closed, true);
    const c = await pool.acquire();
    assert.ok(c !== a && c !== b && !c.closed);
  });

  test("an open failure reaches the caller and frees the slot for the next try", async () => {
    let fail = true;
    const { pool } = fakePool(1, { failOpen: () => fail });
    await assert.rejects(pool.acquire(), /open failed/);
    fail = false;
    const s = await pool.acquire();
    assert.equal(s.closed, false);
  });

  test("close rejects waiters and later acquires, and closes busy sessions on release", async () => {
    const { pool } = fakePool(1);
    const s = await pool.acquire();
    const waiter = pool.acquire();
    pool.close();
    await assert.rejects(waiter, SessionPoolClosedError);
    await assert.rejects(pool.acquire(), SessionPoolClosedError);
    pool.release(s);
    assert.equal(s.closed, true);
  });
});
