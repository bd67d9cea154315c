import { strict as assert } from "node:assert";
import { describe, test } from "node:test";
import { randomPool } from "./random-pool.js";

describe("random pool", () => {
  test("gives buffers of the size asked, each in memory of its own (never a view of the pool)", () => {
    const random = randomPool(1024);
    const a = random(32);
    const b = random(12);
    assert.equal(a.length, 32);
    assert.equal(b.length, 12);
    assert.equal(a.byteOffset, 0);
    assert.equal(a.buffer.byteLength, 32, "a's memory holds nothing but a");
    assert.notEqual(a.buffer, b.buffer);
    const before = Buffer.from(b);
    a.fill(0xff);
    assert.deepEqual(b, before, "writing one result does not touch another");
  });

  test("keeps giving fresh bytes across refills of the pool", () => {
    const random = randomPool(256);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(random(32).toString("hex"));
    assert.equal(seen.size, 200, "no 32-byte value repeats (256-bit values: a repeat means reused bytes)");
    const ones = [...seen].join("").split("").filter((c) => c === "f").length;
    assert.ok(ones > 200 * 64 * 0.03 && ones < 200 * 64 * 0.1, "hex digits look uniform");
  });

  test("serves requests larger than a quarter of the pool directly, and zero bytes", () => {
    const random = randomPool(1024);
    assert.equal(random(4096).length, 4096);
    assert.equal(random(0).length, 0);
    assert.throws(() => random(-1), RangeError);
    assert.throws(() => random(1.5), RangeError);
  });
});
