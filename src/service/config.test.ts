import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULTS, resolveConfig } from "./config.js";

describe("cache settings", () => {
  test("the caches hold 100,000 keys and are warmed unless TRENT_CACHE_WARM says no", () => {
    const c = resolveConfig({}, {});
    assert.equal(c.cacheMaxKeys, DEFAULTS.cacheMaxKeys);
    assert.equal(c.cacheMaxKeys, 100_000);
    assert.equal(c.warmCaches, true);
    for (const off of ["0", "false", "OFF", " no "]) assert.equal(resolveConfig({}, { TRENT_CACHE_WARM: off }).warmCaches, false, off);
    for (const on of ["1", "true", "yes"]) assert.equal(resolveConfig({}, { TRENT_CACHE_WARM: on }).warmCaches, true, on);
    assert.equal(resolveConfig({}, { TRENT_CACHE_MAX_KEYS: "2500" }).cacheMaxKeys, 2500);
  });
});
