import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { SecretSlab } from "./secret-slab.js";

describe("SecretSlab", () => {
  test("a taken secret holds a copy of the bytes, not the caller's buffer", () => {
    const slab = new SecretSlab(32, 4);
    const bytes = randomBytes(32);
    const s = slab.take(bytes);
    const kept = Buffer.from(bytes);
    bytes.fill(7);
    assert.deepEqual(s.expose(), kept);
  });

  test("secrets in one chunk do not overlap, and a new chunk starts when one is full", () => {
    const slab = new SecretSlab(32, 2);
    const inputs = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const secrets = inputs.map((b) => slab.take(b));
    secrets.forEach((s, i) => assert.deepEqual(s.expose(), inputs[i]));
    assert.equal(secrets[0]?.expose().buffer, secrets[1]?.expose().buffer, "the first two share a chunk");
    assert.notEqual(secrets[1]?.expose().buffer, secrets[2]?.expose().buffer, "the third is in a new chunk");
    assert.equal(slab.inUse, 3);
  });

  test("release zeroes the slot, disposes the secret, and the slot is reused", () => {
    const slab = new SecretSlab(32, 4);
    const a = slab.take(randomBytes(32));
    const view = a.expose();
    slab.release(a);
    assert.ok(view.every((b) => b === 0), "the released slot holds zeros");
    assert.throws(() => a.expose(), /after dispose/);
    assert.equal(slab.inUse, 0);
    const next = randomBytes(32);
    const b = slab.take(next);
    assert.equal(b.expose().byteOffset, view.byteOffset, "the freed slot is taken first");
    assert.deepEqual(b.expose(), next);
  });

  test("a secret disposed by someone else still gives its slot back, zeroed", () => {
    const slab = new SecretSlab(32, 4);
    const a = slab.take(randomBytes(32));
    const view = a.expose();
    a.dispose();
    assert.ok(slab.owns(a));
    slab.release(a);
    assert.equal(slab.inUse, 0);
    assert.ok(view.every((b) => b === 0));
    assert.ok(!slab.owns(a));
    assert.throws(() => slab.release(a), /released already/);
    assert.equal(slab.take(randomBytes(32)).expose().byteOffset, view.byteOffset);
  });

  test("only secrets of the slot size are accepted", () => {
    const slab = new SecretSlab(32, 4);
    assert.throws(() => slab.take(randomBytes(31)), RangeError);
    assert.throws(() => slab.take(randomBytes(64)), RangeError);
  });
});
