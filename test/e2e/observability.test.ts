/**
 * Metrics (/metrics), health (/healthz, /readyz) and structured logs of a running service.
 */
import {
  CreateKeyCommand,
  DecryptCommand,
  DisableKeyCommand,
  EncryptCommand,
  ListKeysCommand,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { SecretBytes } from "../../src/crypto/secret-bytes.js";
import type { Keystore, KeystoreStatus, WrappedKey } from "../../src/keystore/keystore.js";
import { SoftwareKeystore } from "../../src/keystore/software-keystore.js";
import { Identities } from "../../src/service/identities.js";
import { createKeyId, expectError, useTrent } from "../support/harness.js";

/** A software keystore the test can report as sealed (the dispatcher then refuses every call). */
class SealableKeystore implements Keystore {
  readonly inner = SoftwareKeystore.ephemeral();
  sealed = false;
  status(): KeystoreStatus {
    return { ...this.inner.status(), sealed: this.sealed };
  }
  wrap(material: SecretBytes, binding: Uint8Array): Promise<WrappedKey> {
    return this.inner.wrap(material, binding);
  }
  unwrap(wrapped: WrappedKey, binding: Uint8Array): Promise<SecretBytes> {
    return this.inner.unwrap(wrapped, binding);
  }
  rotateRoot(): Promise<string> {
    return this.inner.rotateRoot();
  }
  rootVersions(): readonly string[] {
    return this.inner.rootVersions();
  }
  retireRootVersion(version: string): Promise<void> {
    return this.inner.retireRootVersion(version);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const keystore = new SealableKeystore();
const lines: Record<string, unknown>[] = [];

const h = useTrent({ keystore, log: (l) => void lines.push(l) }, { TRENT_LOG_LEVEL: "debug" });

async function metrics(): Promise<string> {
  const r = await fetch(`${h.endpoint}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return r.text();
}

/** The value of the sample `series` (name and labels exactly as exposed); 0 when absent. */
function value(text: string, series: string): number {
  for (const line of text.split("\n")) if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  return 0;
}

async function readyz(): Promise<{ status: number; body: { status: string; checks?: Record<string, boolean> } }> {
  const r = await fetch(`${h.endpoint}/readyz`);
  return { status: r.status, body: (await r.json()) as { status: string; checks?: Record<string, boolean> } };
}

describe("health endpoints", () => {
  test("GET /healthz answers 200 while the process is up", async () => {
    const r = await fetch(`${h.endpoint}/healthz`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: "ok" });
  });

  test("GET /readyz is 200 with every check true on a running service", async () => {
    assert.deepEqual(await readyz(), {
      status: 200,
      body: { status: "ready", checks: { store: true, unsealed: true, audit: true, running: true } },
    });
  });

  test("GET /readyz is 503 while the root is sealed, says so, and is 200 again once unsealed", async () => {
    keystore.sealed = true;
    try {
      const r = await readyz();
      assert.equal(r.status, 503);
      assert.equal(r.body.checks?.["unsealed"], false);
      assert.equal(value(await metrics(), "trent_sealed"), 1);
      await expectError(h.kms.send(new ListKeysCommand({})), "KMSInternalException");
    } finally {
      keystore.sealed = false;
    }
    assert.equal((await readyz()).status, 200);
  });
});

describe("metrics", () => {
  test("GET /metrics serves the Prometheus text format with Trent's metrics and the process metrics", async () => {
    const text = await metrics();
    for (const name of [
      "trent_requests_total",
      "trent_request_duration_seconds",
      "trent_cache_lookups_total",
      "trent_store_write_duration_seconds",
      "trent_audit_append_duration_seconds",
      "trent_keys",
      "trent_sealed",
      "trent_audit_healthy",
      "process_cpu_seconds_total",
      "nodejs_eventloop_lag_seconds",
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), name);
    }
  });

  test("a successful call and a failed call move the request counter for their operation and error code, and the latency histogram", async () => {
    const before = await metrics();
    const key = await h.kms.send(new CreateKeyCommand({}));
    const keyId = key.KeyMetadata?.KeyId ?? "";
    await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") }));
    await h.kms.send(new DisableKeyCommand({ KeyId: keyId }));
    await expectError(h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") })), "DisabledException");
    const after = await metrics();
    const delta = (series: string) => value(after, series) - value(before, series);
    assert.equal(delta('trent_requests_total{operation="Encrypt",error_code="none"}'), 1);
    assert.equal(delta('trent_requests_total{operation="Encrypt",error_code="DisabledException"}'), 1);
    assert.equal(delta('trent_requests_total{operation="CreateKey",error_code="none"}'), 1);
    assert.equal(delta('trent_request_duration_seconds_count{operation="Encrypt"}'), 2);
    assert.equal(delta('trent_request_duration_seconds_bucket{le="+Inf",operation="Encrypt"}'), 2);
  });

  test("keys by state follow CreateKey and DisableKey", async () => {
    const before = await metrics();
    const keyId = await createKeyId(h.kms);
    let now = await metrics();
    assert.equal(value(now, 'trent_keys{state="Enabled"}') - value(before, 'trent_keys{state="Enabled"}'), 1);
    await h.kms.send(new DisableKeyCommand({ KeyId: keyId }));
    now = await metrics();
    assert.equal(value(now, 'trent_keys{state="Enabled"}') - value(before, 'trent_keys{state="Enabled"}'), 0);
    assert.equal(value(now, 'trent_keys{state="Disabled"}') - value(before, 'trent_keys{state="Disabled"}'), 1);
    assert.ok(value(now, 'trent_keys{state="PendingDeletion"}') >= 0);
    assert.match(now, /^trent_keys\{state="PendingDeletion"\} /m, "every state has a sample");
  });

  test("the material and store caches count hits as a key is used again; the credential cache counts a new access key's miss and then hits", async () => {
    const keyId = await createKeyId(h.kms);
    const before = await metrics();
    const ct = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") }));
    await h.kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob }));
    await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("y") }));
    const mid = await metrics();
    const d = (a: string, b: string, series: string) => value(b, series) - value(a, series);
    const misses = d(before, mid, 'trent_cache_lookups_total{cache="material",result="miss"}');
    assert.ok(misses <= 1, "at most the first use unwraps the material");
    assert.equal(d(before, mid, 'trent_cache_lookups_total{cache="material",result="hit"}'), 3 - misses);
    assert.ok(d(before, mid, 'trent_cache_lookups_total{cache="store",result="hit"}') >= 2, "the key record is served from the store cache");

    const ids = new Identities(h.trent.store, h.trent.keystore);
    const user = await ids.createPrincipal("111122223333", "IAMUser", "metrics-user");
    const ak = await ids.createAccessKey(user.arn);
    const other = h.client({ accessKeyId: ak.accessKeyId, secretAccessKey: ak.secretAccessKey });
    // Allowed or denied (the user has no policy), both calls look the access key up.
    await other.send(new ListKeysCommand({})).catch(() => undefined);
    await other.send(new ListKeysCommand({})).catch(() => undefined);
    const end = await metrics();
    assert.ok(d(mid, end, 'trent_cache_lookups_total{cache="credential",result="miss"}') >= 1, "a new access key is read from the store");
    assert.ok(d(mid, end, 'trent_cache_lookups_total{cache="credential",result="hit"}') >= 1, "and then served from the cache");
  });

  test("store writes are timed by method and audit appends are timed", async () => {
    const before = await metrics();
    await h.kms.send(new CreateKeyCommand({}));
    await h.kms.send(new ListKeysCommand({}));
    const after = await metrics();
    assert.equal(
      value(after, 'trent_store_write_duration_seconds_count{method="createKey"}') -
        value(before, 'trent_store_write_duration_seconds_count{method="createKey"}'),
      1,
    );
    assert.ok(value(after, "trent_audit_append_duration_seconds_count") - value(before, "trent_audit_append_duration_seconds_count") >= 2);
    assert.equal(value(after, "trent_audit_healthy"), 1);
  });
});

describe("structured logs", () => {
  test("every log line is a JSON object with a level name, a time and msg; at debug level each call has a line with its request id, operation and error code", async () => {
    lines.length = 0;
    const ok = await h.kms.send(new ListKeysCommand({}));
    await expectError(h.kms.send(new DisableKeyCommand({ KeyId: "00000000-0000-4000-8000-000000000000" })), "NotFoundException");
    for (const l of lines) {
      assert.equal(typeof l["level"], "string");
      assert.equal(typeof l["msg"], "string");
      assert.match(String(l["time"]), /Z$/);
    }
    const requests = lines.filter((l) => l["msg"] === "request");
    const list = requests.find((l) => l["requestId"] === ok.$metadata.requestId);
    assert.ok(list, "the ListKeys call has a request line under its request id");
    assert.equal(list["operation"], "ListKeys");
    assert.equal(list["level"], "debug");
    assert.equal(typeof list["ms"], "number");
    assert.ok(requests.some((l) => l["operation"] === "DisableKey" && l["errorCode"] === "NotFoundException"));
  });
});

// Last: this breaks the audit log for the rest of the file.
describe("an audit log that cannot be written", () => {
  test("makes /readyz answer 503 with the audit check false, the audit health gauge 0, and refused appends counted", async () => {
    rmSync(join(h.dataDir, "audit"), { recursive: true, force: true });
    await h.kms.send(new ListKeysCommand({}));
    // Dev mode writes the audit log in the background (within 200 ms); the failed write marks it unhealthy.
    let r = await readyz();
    for (let i = 0; i < 50 && r.status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      r = await readyz();
    }
    assert.equal(r.status, 503);
    assert.equal(r.body.status, "not ready");
    assert.deepEqual(r.body.checks, { store: true, unsealed: true, audit: false, running: true });
    await h.kms.send(new ListKeysCommand({})); // dev mode still answers; its record is refused
    const text = await metrics();
    assert.equal(value(text, "trent_audit_healthy"), 0);
    assert.ok(value(text, "trent_audit_append_errors_total") >= 1);
  });
});
