import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { resolveConfig } from "./config.js";
import { parseHsmClusters } from "./hsm-clusters.js";

const GOOD = { "cluster-234567abcdef": { modulePath: "/usr/lib/softhsm/libsofthsm2.so", tokenLabel: "kms-1" } };

describe("TRENT_HSM_CLUSTERS / --hsm-clusters", () => {
  test("takes inline JSON from the environment or a file named by the flag; the flag wins", () => {
    assert.deepEqual(resolveConfig({}, { TRENT_HSM_CLUSTERS: JSON.stringify(GOOD) }).hsmClusters, GOOD);
    assert.equal(resolveConfig({}, {}).hsmClusters, undefined);
    const dir = mkdtempSync(join(tmpdir(), "trent-hsm-"));
    try {
      const file = join(dir, "clusters.json");
      const other = { "cluster-bbbbbbbbbbb": { modulePath: "/m.so", tokenLabel: "t" } };
      writeFileSync(file, JSON.stringify(other));
      assert.deepEqual(resolveConfig({ hsmClusters: file }, { TRENT_HSM_CLUSTERS: JSON.stringify(GOOD) }).hsmClusters, other);
      assert.throws(() => parseHsmClusters(join(dir, "missing.json")), /cannot read the HSM clusters file .*ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("refuses malformed cluster ids, missing members, and a PIN in the file", () => {
    assert.throws(() => parseHsmClusters("{not json"), /not JSON/);
    assert.throws(() => parseHsmClusters('{"cluster-234567abcdef": []}'), /must be an object/);
    assert.throws(() => parseHsmClusters(JSON.stringify({ "cluster-1a2b3c4d5e6": GOOD["cluster-234567abcdef"] })), /not a cluster id/);
    assert.throws(() => parseHsmClusters(JSON.stringify({ "cluster-234567abcdef": { modulePath: "/m.so" } })), /modulePath and tokenLabel/);
    assert.throws(
      () => parseHsmClusters(JSON.stringify({ "cluster-234567abcdef": { modulePath: "/m.so", tokenLabel: "t", pin: "1234" } })),
      /unknown members pin \(a PIN never goes here\)/,
    );
  });
});
