import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createSoftHsmToken, softHsmSkipReason, type SoftHsmToken } from "../../test/support/softhsm.js";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { KeystoreError } from "./keystore.js";
import { Pkcs11Token } from "./pkcs11-token.js";
import { SealedKeystore, UnsealError, type UnsealErrorReason } from "./sealed-keystore.js";
import { combineShares, parseShare, splitSecret } from "./shamir.js";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "trent-sealed-"));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const bind = (s: string): Buffer => Buffer.from(s, "utf8");
const material = (): SecretBytes => SecretBytes.adopt(randomBytes(32));

function sealedError(e: unknown): boolean {
  assert.ok(e instanceof KeystoreError);
  assert.equal(e.reason, "sealed");
  return true;
}

function unsealError(reason: UnsealErrorReason, submittedAfter?: number) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof UnsealError, String(e));
    assert.equal(e.reason, reason, e.message);
    if (submittedAfter !== undefined) assert.equal(e.progress.submitted, submittedAfter);
    return true;
  };
}

async function unseal(ks: SealedKeystore, shares: readonly string[]): Promise<void> {
  for (const s of shares) await ks.submitShare(s);
  assert.equal(ks.status().sealed, false);
}

async function initialized(counts = { shares: 5, threshold: 3 }): Promise<{ dir: string; shares: string[]; setId: string }> {
  const dir = tempDir();
  const issue = await SealedKeystore.init(dir, counts);
  return { dir, shares: issue.shares, setId: issue.shareSetId };
}

const at = (shares: readonly string[], ...idx: number[]): string[] => idx.map((i) => shares[i - 1] ?? "");

describe("sealed keystore (Shamir)", () => {
  test("init returns N self-identifying shares and leaves only ciphertext on disk", async () => {
    const { dir, shares, setId } = await initialized();
    assert.equal(shares.length, 5);
    shares.forEach((s, i) => assert.ok(s.startsWith(`trent-share-${i + 1}-of-5:${setId}:`)));
    assert.deepEqual(readdirSync(dir), ["sealed-root.json"]);
    const file = readFileSync(join(dir, "sealed-root.json"), "utf8");
    const unsealKey = (await combineShares(at(shares, 1, 2, 3).map(parseShare))).expose();
    for (const enc of ["base64", "hex", "base64url"] as const) assert.ok(!file.includes(unsealKey.toString(enc)));
    for (const s of shares) assert.ok(!file.includes(s.split(":")[2] ?? "x"));
    const parsed = JSON.parse(file) as { shareSet: { shares: number; threshold: number } };
    assert.deepEqual([parsed.shareSet.shares, parsed.shareSet.threshold], [5, 3]);
  });

  test("init refuses a data directory that already has a sealed root", async () => {
    const { dir } = await initialized();
    await assert.rejects(SealedKeystore.init(dir, { shares: 3, threshold: 2 }), /already has a sealed root/);
  });

  test("a freshly opened keystore is sealed and refuses wrap, unwrap and rotation", async () => {
    const { dir } = await initialized();
    const ks = await SealedKeystore.open(dir);
    assert.deepEqual(ks.status(), { kind: "shamir", sealed: true, rootVersion: undefined });
    assert.deepEqual(ks.rootVersions(), []);
    assert.deepEqual(ks.unsealProgress(), { submitted: 0, threshold: 3 });
    await assert.rejects(ks.wrap(material(), bind("k")), sealedError);
    await assert.rejects(ks.unwrap({ rootVersion: "x", blob: Buffer.alloc(40) }, bind("k")), sealedError);
    await assert.rejects(ks.rotateRoot(), sealedError);
  });

  test("any M of the N shares unseal, in any order, and the same root opens each time", async () => {
    const { dir, shares } = await initialized();
    const first = await SealedKeystore.open(dir);
    const r1 = await first.submitShare(at(shares, 4)[0] ?? "");
    assert.deepEqual(r1, { sealed: true, accepted: true, progress: { submitted: 1, threshold: 3 } });
    await first.submitShare(at(shares, 1)[0] ?? "");
    const r3 = await first.submitShare(at(shares, 3)[0] ?? "");
    assert.deepEqual(r3, { sealed: false, accepted: true, progress: { submitted: 3, threshold: 3 } });
    const m = material();
    const w = await first.wrap(m, bind("k"));
    await first.close();

    const second = await SealedKeystore.open(dir);
    await unseal(second, at(shares, 5, 2, 3));
    assert.equal(second.status().rootVersion, w.rootVersion);
    assert.ok((await second.unwrap(w, bind("k"))).equals(m));
    await assert.rejects(second.unwrap(w, bind("other")), (e: unknown) => e instanceof KeystoreError && e.reason === "unwrap-failed");
  });

  test("M-1 shares leave it sealed", async () => {
    const { dir, shares } = await initialized();
    const ks = await SealedKeystore.open(dir);
    for (const s of at(shares, 2, 5)) assert.equal((await ks.submitShare(s)).sealed, true);
    assert.deepEqual(ks.unsealProgress(), { submitted: 2, threshold: 3 });
    await assert.rejects(ks.wrap(material(), bind("k")), sealedError);
  });

  test("a duplicate share is ignored and does not count twice", async () => {
    const { dir, shares } = await initialized();
    const ks = await SealedKeystore.open(dir);
    const [a, b, c] = at(shares, 1, 2, 3);
    await ks.submitShare(a ?? "");
    const dup = await ks.submitShare(` ${a ?? ""}\n`);
    assert.deepEqual(dup, { sealed: true, accepted: false, progress: { submitted: 1, threshold: 3 } });
    assert.equal((await ks.submitShare(b ?? "")).progress.submitted, 2);
    assert.equal((await ks.submitShare(c ?? "")).sealed, false);
  });

  test("a wrong share is detected when the threshold is reached, progress resets, and good shares then unseal", async () => {
    const { dir, shares, setId } = await initialized();
    // Well-formed shares of the right set that belong to some other secret.
    const forged = await splitSecret(material(), { id: setId, shares: 5, threshold: 3 });
    const ks = await SealedKeystore.open(dir);
    // Numbers 3..5 differ from the good shares' 1 and 2; pick one whose x coordinate differs too
    // (x coordinates are random per split: two of three candidates can collide at most).
    const taken = new Set([shares[0], shares[1]].map((t) => parseShare(t ?? "").x));
    const wrong = forged.slice(2).find((t) => !taken.has(parseShare(t).x)) ?? "";
    await ks.submitShare(shares[0] ?? "");
    await ks.submitShare(wrong);
    await assert.rejects(ks.submitShare(shares[1] ?? ""), (e: unknown) => {
      unsealError("reconstruction-failed", 0)(e);
      assert.equal((e as Error).message, "the shares did not reconstruct the unseal key; submission reset");
      return true;
    });
    assert.deepEqual(ks.unsealProgress(), { submitted: 0, threshold: 3 });
    assert.equal(ks.status().sealed, true);
    await unseal(ks, at(shares, 1, 2, 4));
  });

  test("a malformed share or one of another share set is refused alone, keeping the progress", async () => {
    const { dir, shares } = await initialized();
    const other = await initialized();
    const ks = await SealedKeystore.open(dir);
    await ks.submitShare(shares[0] ?? "");
    await assert.rejects(ks.submitShare("trent-share-2-of-5:00000000:AAAA"), unsealError("malformed-share", 1));
    const text = shares[1] ?? "";
    await assert.rejects(ks.submitShare(text.slice(0, -3) + (text.endsWith("AAA") ? "BBB" : "AAA")), unsealError("malformed-share", 1));
    await assert.rejects(ks.submitShare(other.shares[1] ?? ""), unsealError("wrong-share-set", 1));
    assert.deepEqual(ks.unsealProgress(), { submitted: 1, threshold: 3 });
    await unseal(ks, at(shares, 2, 3));
  });

  test("a second, different share with an already submitted number resets the progress", async () => {
    const { dir, shares, setId } = await initialized();
    const forged = await splitSecret(material(), { id: setId, shares: 5, threshold: 3 });
    const ks = await SealedKeystore.open(dir);
    await ks.submitShare(shares[0] ?? "");
    await ks.submitShare(shares[1] ?? "");
    await assert.rejects(ks.submitShare(forged[1] ?? ""), unsealError("conflicting-share", 0));
  });

  test("shares submitted concurrently unseal once", async () => {
    const { dir, shares } = await initialized();
    const ks = await SealedKeystore.open(dir);
    const results = await Promise.all(at(shares, 3, 1, 5).map((s) => ks.submitShare(s)));
    assert.deepEqual(
      results.map((r) => r.sealed),
      [true, true, false],
    );
  });

  test("seal() forgets the root at once; unsealing again restores it", async () => {
    const { dir, shares } = await initialized();
    const ks = await SealedKeystore.open(dir);
    await unseal(ks, at(shares, 1, 2, 3));
    const m = material();
    const w = await ks.wrap(m, bind("k"));
    await ks.submitShare(shares[3] ?? ""); // already unsealed: ignored
    ks.seal();
    assert.equal(ks.status().sealed, true);
    assert.deepEqual(ks.rootVersions(), []);
    await assert.rejects(ks.unwrap(w, bind("k")), sealedError);
    await assert.rejects(ks.wrap(m, bind("k")), sealedError);
    await unseal(ks, at(shares, 3, 4, 5));
    assert.ok((await ks.unwrap(w, bind("k"))).equals(m));
  });

  test("rekey issues new shares (new counts) that unseal the same root; the old shares stop working", async () => {
    const { dir, shares, setId } = await initialized();
    const ks = await SealedKeystore.open(dir);
    await unseal(ks, at(shares, 1, 2, 3));
    const m = material();
    const w = await ks.wrap(m, bind("k"));
    const rootBefore = ks.status().rootVersion;
    const issue = await ks.rekey(at(shares, 2, 4, 5), { shares: 3, threshold: 2 });
    assert.notEqual(issue.shareSetId, setId);
    assert.equal(issue.shares.length, 3);
    assert.ok(issue.shares.every((s, i) => s.startsWith(`trent-share-${i + 1}-of-3:${issue.shareSetId}:`)));
    assert.equal(ks.status().sealed, false, "rekey does not change the sealed state");
    await ks.close();

    const again = await SealedKeystore.open(dir);
    assert.deepEqual(again.unsealProgress(), { submitted: 0, threshold: 2 });
    await assert.rejects(again.submitShare(shares[0] ?? ""), unsealError("wrong-share-set", 0));
    await unseal(again, at(issue.shares, 3, 1));
    assert.equal(again.status().rootVersion, rootBefore);
    assert.ok((await again.unwrap(w, bind("k"))).equals(m));
    await assert.rejects(again.rekey(at(shares, 1, 2, 3), { shares: 2, threshold: 2 }), unsealError("wrong-share-set"));
  });

  test("rekey with wrong or too few shares changes nothing", async () => {
    const { dir, shares, setId } = await initialized();
    const forged = await splitSecret(material(), { id: setId, shares: 5, threshold: 3 });
    const ks = await SealedKeystore.open(dir);
    const before = readFileSync(join(dir, "sealed-root.json"), "utf8");
    const taken = new Set([shares[0], shares[1]].map((t) => parseShare(t ?? "").x));
    const wrong = forged.slice(2).find((t) => !taken.has(parseShare(t).x)) ?? "";
    await assert.rejects(ks.rekey([shares[0] ?? "", shares[1] ?? "", wrong], { shares: 3, threshold: 2 }), unsealError("reconstruction-failed"));
    await assert.rejects(ks.rekey(at(shares, 1, 2, 2), { shares: 3, threshold: 2 }), /needs 3 distinct shares/);
    assert.equal(readFileSync(join(dir, "sealed-root.json"), "utf8"), before);
    // A sealed keystore can be rekeyed and stays sealed.
    const issue = await ks.rekey(at(shares, 1, 2, 3), { shares: 2, threshold: 2 });
    assert.equal(ks.status().sealed, true);
    await unseal(ks, issue.shares);
  });

  test("rotateRoot and retireRootVersion persist across a restart and unseal", async () => {
    const { dir, shares } = await initialized();
    const ks = await SealedKeystore.open(dir);
    await unseal(ks, at(shares, 1, 2, 3));
    const m1 = material();
    const old = await ks.wrap(m1, bind("a"));
    const v2 = await ks.rotateRoot();
    const m2 = material();
    const fresh = await ks.wrap(m2, bind("b"));
    assert.equal(fresh.rootVersion, v2);
    const v3 = await ks.rotateRoot();
    await ks.retireRootVersion(v2);
    await assert.rejects(ks.retireRootVersion(v3), /current root version/);
    await ks.close();

    const again = await SealedKeystore.open(dir);
    await unseal(again, at(shares, 5, 4, 3));
    assert.equal(again.status().rootVersion, v3);
    assert.deepEqual(again.rootVersions(), [old.rootVersion, v3]);
    assert.ok((await again.unwrap(old, bind("a"))).equals(m1));
    await assert.rejects(again.unwrap(fresh, bind("b")), (e: unknown) => e instanceof KeystoreError && e.reason === "unknown-root-version");
  });

  test("open refuses a directory without a sealed root", async () => {
    await assert.rejects(SealedKeystore.open(tempDir()), /initialise the sealed root first/);
  });
});

describe("sealed keystore auto-unseal with a PKCS#11 token", { skip: softHsmSkipReason() }, () => {
  let hsm: SoftHsmToken;
  let token: Pkcs11Token;

  before(async () => {
    hsm = createSoftHsmToken({ label: "trent-auto-unseal" });
    token = await Pkcs11Token.open({ modulePath: hsm.modulePath, tokenLabel: hsm.label, pin: { file: hsm.pinFile } });
  });

  after(async () => {
    await token?.close();
    hsm?.cleanup();
  });

  test("a keystore initialised with auto-unseal opens unsealed with its token and sealed without it", async () => {
    const dir = tempDir();
    const autoUnseal = { token, keyLabel: "trent-unseal-1" };
    const issue = await SealedKeystore.init(dir, { shares: 3, threshold: 2 }, { autoUnseal });
    assert.deepEqual(readdirSync(dir).sort(), ["auto-unseal.json", "sealed-root.json"]);
    assert.equal((await token.keyAttributes("trent-unseal-1")).extractable, false);

    const withToken = await SealedKeystore.open(dir, { autoUnseal });
    assert.equal(withToken.status().sealed, false, withToken.autoUnsealError);
    const m = material();
    const w = await withToken.wrap(m, bind("k"));
    await withToken.close();

    const without = await SealedKeystore.open(dir);
    assert.equal(without.status().sealed, true);
    await unseal(without, at(issue.shares, 2, 3));
    assert.ok((await without.unwrap(w, bind("k"))).equals(m));
  });

  test("auto-unseal enabled later survives a rekey; a missing token key leaves the keystore sealed with a reason", async () => {
    const { dir, shares } = await initialized({ shares: 3, threshold: 2 });
    const autoUnseal = { token, keyLabel: "trent-unseal-2" };
    const ks = await SealedKeystore.open(dir, { autoUnseal });
    assert.match(ks.autoUnsealError ?? "", /not enabled/);
    await unseal(ks, at(shares, 1, 3));
    await ks.enableAutoUnseal(autoUnseal);
    const issue = await ks.rekey(at(shares, 2, 3), { shares: 2, threshold: 2 });
    await ks.close();

    const reopened = await SealedKeystore.open(dir, { autoUnseal });
    assert.equal(reopened.status().sealed, false, reopened.autoUnsealError);
    await reopened.close();

    // Without the token, rekey refuses rather than leave a stale token-wrapped key behind.
    const plain = await SealedKeystore.open(dir);
    await assert.rejects(plain.rekey(issue.shares, { shares: 2, threshold: 2 }), /auto-unseal is enabled/);

    await token.destroyKey("trent-unseal-2");
    const lost = await SealedKeystore.open(dir, { autoUnseal });
    assert.equal(lost.status().sealed, true);
    assert.match(lost.autoUnsealError ?? "", /auto-unseal failed/);
    await unseal(lost, issue.shares);
    await lost.disableAutoUnseal();
    assert.deepEqual(readdirSync(dir), ["sealed-root.json"]);
  });
});
