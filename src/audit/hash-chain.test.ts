import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { GENESIS, GENESIS_HASH, buildLine, canonicalJson, hashMatches, lineHash, parseLine } from "./hash-chain.js";

describe("canonicalJson", () => {
  test("sorts object keys at every depth and writes no whitespace", () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: "x" } }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  test("gives the same text for equal values built in different orders", () => {
    assert.equal(canonicalJson({ x: 1, y: [true, null] }), canonicalJson(JSON.parse('{"y":[true,null],"x":1}')));
  });

  test("escapes strings as JSON does and skips undefined members", () => {
    assert.equal(canonicalJson({ s: 'a"b\n\u0001', u: undefined }), JSON.stringify({ s: 'a"b\n\u0001' }));
  });

  test("refuses what JSON cannot carry: buffers, secret holders, dates, non-finite numbers", () => {
    assert.throws(() => canonicalJson({ b: Buffer.from("x") }), TypeError);
    assert.throws(() => canonicalJson({ s: SecretBytes.copyOf(Buffer.from("x")) }), TypeError);
    assert.throws(() => canonicalJson({ d: new Date(0) }), TypeError);
    assert.throws(() => canonicalJson({ n: Number.NaN }), TypeError);
    assert.throws(() => canonicalJson({ f: () => 1 }), TypeError);
  });
});

describe("hash chain lines", () => {
  test("a line's hash is SHA-256 over the canonical {type, seq, prevHash, body}, and parsing gives it back", () => {
    const line = buildLine("event", { eventName: "Encrypt", n: 1 }, GENESIS);
    assert.equal(line.meta.seq, 1);
    assert.equal(line.meta.prevHash, GENESIS_HASH);
    assert.equal(line.meta.hash, lineHash("event", 1, GENESIS_HASH, { n: 1, eventName: "Encrypt" }));
    assert.ok(line.text.endsWith("\n"));
    const parsed = parseLine(line.text.trimEnd());
    assert.deepEqual(parsed?.meta, line.meta);
    assert.deepEqual(parsed?.body, { eventName: "Encrypt", n: 1 });
    assert.ok(parsed !== undefined && hashMatches(parsed));
  });

  test("a changed body, seq or prevHash no longer matches the stored hash", () => {
    const line = buildLine("event", { eventName: "Encrypt" }, GENESIS);
    const obj = JSON.parse(line.text) as Record<string, Record<string, unknown>>;
    for (const mutate of [
      (o: typeof obj) => void (o["eventName"] = "Decrypt" as never),
      (o: typeof obj) => void (o["trent"]!["seq"] = 2),
      (o: typeof obj) => void (o["trent"]!["prevHash"] = "1".repeat(64)),
    ]) {
      const copy = JSON.parse(line.text) as typeof obj;
      mutate(copy);
      const p = parseLine(JSON.stringify(copy));
      assert.ok(p !== undefined);
      assert.equal(hashMatches(p), false);
    }
  });

  test("each line chains to the one before it", () => {
    const a = buildLine("event", { i: 1 }, GENESIS);
    const b = buildLine("intent", { i: 2 }, a.meta);
    assert.equal(b.meta.seq, 2);
    assert.equal(b.meta.prevHash, a.meta.hash);
  });

  test("a body may not carry its own chain member", () => {
    assert.throws(() => buildLine("event", { trent: {} }, GENESIS), TypeError);
  });

  test("lines without a well-formed chain member do not parse", () => {
    assert.equal(parseLine("not json"), undefined);
    assert.equal(parseLine('{"eventName":"Encrypt"}'), undefined);
    assert.equal(parseLine(`{"trent":{"type":"event","seq":0,"prevHash":"${GENESIS_HASH}","hash":"${GENESIS_HASH}"}}`), undefined);
    assert.equal(parseLine(`{"trent":{"type":"other","seq":1,"prevHash":"${GENESIS_HASH}","hash":"${GENESIS_HASH}"}}`), undefined);
  });
});
