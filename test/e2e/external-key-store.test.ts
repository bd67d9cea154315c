import {
  ConnectCustomKeyStoreCommand,
  CreateAliasCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  GetKeyRotationStatusCommand,
  TagResourceCommand,
  UpdateKeyDescriptionCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisconnectCustomKeyStoreCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  KMSClient,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  UpdateCustomKeyStoreCommand,
  type CustomKeyStoresListEntry,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FORMAT_XKS_V1, parseXksBlob } from "../../src/crypto/ciphertext-blob.js";
import { KEY_STATE_TABLE } from "../../src/domain/key-state-table.js";
import { resolveConfig } from "../../src/service/config.js";
import { Trent } from "../../src/service/trent.js";
import { REGION, expectError, startTrent, tempDir, type Harness } from "../support/harness.js";
import { TestXksProxy } from "../support/xks-proxy.js";

/**
 * External key stores (EXTERNAL_KEY_STORE, PUBLIC_ENDPOINT) end to end through @aws-sdk/client-kms,
 * against a test XKS proxy on 127.0.0.1 that holds real AES-256 keys and verifies the SigV4
 * signature Trent makes with the store's credential: the store lifecycle, connection failures and
 * their ConnectionErrorCode, CreateKey against the proxy's GetKeyMetadata, and double encryption.
 */

const ACCESS_KEY_ID = "BETWEENKMSANDXKSPROXYA";
const SECRET = "PbjprTDt4/FKvxKbIeEckl0lNxpPbRoGCmiaYpYbTVo=";
const OTHER_SECRET = "QbjprTDt4/FKvxKbIeEckl0lNxpPbRoGCmiaYpYbTVo=";
const CONTEXT = { purpose: "xks-test" };

describe("external key stores (EXTERNAL_KEY_STORE through an XKS proxy)", () => {
  let h: Harness;
  let kms: KMSClient;
  let proxy: TestXksProxy;
  let storeId = "";
  let keyId = "";

  before(async () => {
    proxy = await TestXksProxy.start({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET });
    proxy.addKey("ext-key-1");
    proxy.addKey("ext-key-2");
    proxy.addKey("ext-disabled", { keyStatus: "DISABLED" });
    proxy.addKey("ext-sign-only", { keyUsage: ["SIGN", "VERIFY"] });
    h = await startTrent();
    kms = h.client();
  });

  after(async () => {
    await h?.stop();
    await proxy?.stop();
  });

  const xksStore = (name: string, over: Record<string, unknown> = {}): CreateCustomKeyStoreCommand =>
    new CreateCustomKeyStoreCommand({
      CustomKeyStoreName: name,
      CustomKeyStoreType: "EXTERNAL_KEY_STORE",
      XksProxyConnectivity: "PUBLIC_ENDPOINT",
      XksProxyUriEndpoint: proxy.endpoint,
      XksProxyUriPath: proxy.uriPath,
      XksProxyAuthenticationCredential: { AccessKeyId: ACCESS_KEY_ID, RawSecretAccessKey: SECRET },
      ...over,
    });
  const storeOf = async (id: string): Promise<CustomKeyStoresListEntry> => {
    const [entry] = (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).CustomKeyStores ?? [];
    assert.ok(entry !== undefined);
    return entry;
  };

  test("CreateCustomKeyStore creates a DISCONNECTED external key store after the proxy answered GetHealthStatus", async () => {
    const before = proxy.count("health");
    const r = await kms.send(xksStore("xks-main"));
    assert.match(r.CustomKeyStoreId ?? "", /^cks-[0-9a-f]{17}$/);
    storeId = r.CustomKeyStoreId ?? "";
    assert.equal(proxy.count("health"), before + 1);
    assert.equal(proxy.calls.at(-1)?.region, REGION, "signed for the store's region");
    const s = await storeOf(storeId);
    assert.equal(s.CustomKeyStoreType, "EXTERNAL_KEY_STORE");
    assert.equal(s.ConnectionState, "DISCONNECTED");
    assert.deepEqual(s.XksProxyConfiguration, {
      Connectivity: "PUBLIC_ENDPOINT",
      AccessKeyId: ACCESS_KEY_ID,
      UriEndpoint: proxy.endpoint,
      UriPath: proxy.uriPath,
    });
    assert.equal(s.CloudHsmClusterId, undefined);
    assert.equal(s.TrustAnchorCertificate, undefined);
  });

  test("the proxy's secret access key is never returned, and is not in clear on disk", async () => {
    const raw = JSON.stringify(await kms.send(new DescribeCustomKeyStoresCommand({})));
    assert.ok(!raw.includes(SECRET));
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
    for (const f of walk(h.dataDir)) assert.ok(!readFileSync(f).includes(Buffer.from(SECRET)), f);
  });

  test("CreateCustomKeyStore rejects a wrong credential, a wrong path, a second store on the same URI, VPC connectivity and non-loopback http", async () => {
    await expectError(
      kms.send(
        xksStore("xks-bad-cred", {
          XksProxyUriPath: "/second/kms/xks/v1",
          XksProxyAuthenticationCredential: { AccessKeyId: ACCESS_KEY_ID, RawSecretAccessKey: OTHER_SECRET },
        }),
      ),
      "XksProxyIncorrectAuthenticationCredentialException",
    );
    await expectError(kms.send(xksStore("xks-bad-path", { XksProxyUriPath: "/elsewhere/kms/xks/v1" })), "XksProxyInvalidConfigurationException");
    await expectError(kms.send(xksStore("xks-same-uri")), "XksProxyUriInUseException");
    await expectError(kms.send(xksStore("xks-main")), "CustomKeyStoreNameInUseException");
    await expectError(
      kms.send(xksStore("xks-vpc", { XksProxyConnectivity: "VPC_ENDPOINT_SERVICE", XksProxyVpcEndpointServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0" })),
      "UnsupportedOperationException",
    );
    await expectError(kms.send(xksStore("xks-http", { XksProxyUriEndpoint: "http://proxy.example.com:8080" })), "ValidationException");
    await expectError(kms.send(xksStore("xks-hsm-param", { KeyStorePassword: "kmsuser-pass" })), "ValidationException");
  });

  test("CreateCustomKeyStore reports an unreachable proxy as XksProxyUriUnreachableException", async () => {
    const gone = await TestXksProxy.start({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET });
    const endpoint = gone.endpoint;
    await gone.stop();
    await expectError(kms.send(xksStore("xks-gone", { XksProxyUriEndpoint: endpoint })), "XksProxyUriUnreachableException");
  });

  test("CreateKey needs a CONNECTED store: CustomKeyStoreInvalidStateException while DISCONNECTED", async () => {
    await expectError(
      kms.send(new CreateKeyCommand({ Origin: "EXTERNAL_KEY_STORE", CustomKeyStoreId: storeId, XksKeyId: "ext-key-1" })),
      "CustomKeyStoreInvalidStateException",
    );
  });

  test("ConnectCustomKeyStore calls GetHealthStatus and the store becomes CONNECTED", async () => {
    const before = proxy.count("health");
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
    assert.equal(proxy.count("health"), before + 1);
    const s = await storeOf(storeId);
    assert.equal(s.ConnectionState, "CONNECTED");
    assert.equal(s.ConnectionErrorCode, undefined);
  });

  test("CreateKey validates the external key with GetKeyMetadata: missing, disabled, wrong usage, in use", async () => {
    const create = (xksKeyId: string): Promise<unknown> =>
      kms.send(new CreateKeyCommand({ Origin: "EXTERNAL_KEY_STORE", CustomKeyStoreId: storeId, XksKeyId: xksKeyId }));
    await expectError(create("no-such-key"), "XksKeyNotFoundException");
    await expectError(create("ext-disabled"), "XksKeyInvalidConfigurationException");
    await expectError(create("ext-sign-only"), "XksKeyInvalidConfigurationException");
    await expectError(kms.send(new CreateKeyCommand({ Origin: "EXTERNAL_KEY_STORE", CustomKeyStoreId: storeId })), "ValidationException");
    const r = await kms.send(new CreateKeyCommand({ Origin: "EXTERNAL_KEY_STORE", CustomKeyStoreId: storeId, XksKeyId: "ext-key-1", Description: "xks" }));
    keyId = r.KeyMetadata?.KeyId ?? "";
    assert.equal(proxy.calls.filter((c) => c.operation === "metadata" && c.keyId === "ext-key-1").length, 1);
    await expectError(create("ext-key-1"), "XksKeyAlreadyInUseException");
  });

  test("DescribeKey shows Origin EXTERNAL_KEY_STORE, the store and XksKeyConfiguration", async () => {
    const md = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    assert.equal(md?.Origin, "EXTERNAL_KEY_STORE");
    assert.equal(md?.CustomKeyStoreId, storeId);
    assert.deepEqual(md?.XksKeyConfiguration, { Id: "ext-key-1" });
    assert.equal(md?.KeyState, "Enabled");
    assert.equal(md?.KeySpec, "SYMMETRIC_DEFAULT");
    assert.equal(md?.CloudHsmClusterId, undefined);
  });

  test("Encrypt and Decrypt round-trip through the proxy (double encryption, format 0x03)", async () => {
    const enc0 = proxy.count("encrypt");
    const dec0 = proxy.count("decrypt");
    const plaintext = Buffer.from("external key store plaintext");
    const ct = (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: CONTEXT }))).CiphertextBlob;
    assert.ok(ct !== undefined);
    assert.equal(ct[0], FORMAT_XKS_V1);
    const parsed = parseXksBlob(ct);
    assert.equal(parsed?.keyId, keyId);
    assert.ok(!Buffer.from(ct).includes(plaintext));
    assert.equal(proxy.count("encrypt"), enc0 + 1);
    const out = await kms.send(new DecryptCommand({ CiphertextBlob: ct, EncryptionContext: CONTEXT }));
    assert.equal(Buffer.from(out.Plaintext ?? []).toString(), plaintext.toString());
    assert.equal(out.KeyId?.endsWith(keyId), true);
    assert.equal(proxy.count("decrypt"), dec0 + 1);
    assert.ok(proxy.calls.filter((c) => c.operation === "encrypt").every((c) => c.keyId === "ext-key-1"));
    // The encryption context is bound by the KMS-side layer.
    await expectError(kms.send(new DecryptCommand({ CiphertextBlob: ct, EncryptionContext: { purpose: "other" } })), "InvalidCiphertextException");
  });

  test("a tampered outer layer is rejected by the proxy and reads KMSInvalidStateException", async () => {
    const ct = (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") }))).CiphertextBlob ?? new Uint8Array();
    const bad = Buffer.from(ct);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
    await expectError(kms.send(new DecryptCommand({ CiphertextBlob: bad })), "KMSInvalidStateException");
  });

  test("GenerateDataKey, GenerateDataKeyWithoutPlaintext and ReEncrypt work with external keys", async () => {
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256", EncryptionContext: CONTEXT }));
    assert.equal(dk.CiphertextBlob?.[0], FORMAT_XKS_V1);
    const back = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: CONTEXT }));
    assert.deepEqual(Buffer.from(back.Plaintext ?? []), Buffer.from(dk.Plaintext ?? []));
    const wp = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, NumberOfBytes: 16 }));
    assert.equal((await kms.send(new DecryptCommand({ CiphertextBlob: wp.CiphertextBlob }))).Plaintext?.length, 16);

    const second = await kms.send(new CreateKeyCommand({ Origin: "EXTERNAL_KEY_STORE", CustomKeyStoreId: storeId, XksKeyId: "ext-key-2" }));
    const secondId = second.KeyMetadata?.KeyId ?? "";
    const plain = await kms.send(new CreateKeyCommand({}));
    const ct = (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("move me") }))).CiphertextBlob;
    const re = await kms.send(new ReEncryptCommand({ CiphertextBlob: ct, DestinationKeyId: secondId }));
    assert.equal(re.CiphertextBlob?.[0], FORMAT_XKS_V1);
    assert.equal(re.SourceKeyId?.endsWith(keyId), true);
    const re2 = await kms.send(new ReEncryptCommand({ CiphertextBlob: re.CiphertextBlob, DestinationKeyId: plain.KeyMetadata?.KeyId }));
    assert.equal(re2.CiphertextBlob?.[0], 0x01);
    assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: re2.CiphertextBlob }))).Plaintext ?? []).toString(), "move me");
  });

  test("GenerateRandom does not support external key stores", async () => {
    await expectError(kms.send(new GenerateRandomCommand({ NumberOfBytes: 8, CustomKeyStoreId: storeId })), "UnsupportedOperationException");
  });

  test("proxy failures during cryptographic operations, and a proxy that echoes its input, read KMSInvalidStateException, never a crash", async () => {
    const ct = (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("y") }))).CiphertextBlob;
    for (const mode of [
      { kind: "error", status: 500, errorName: "InternalException" },
      { kind: "error", status: 401, errorName: "AuthenticationFailedException" },
      { kind: "garbage" },
      { kind: "echo" },
    ] as const) {
      proxy.mode = mode;
      try {
        await expectError(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("z") })), "KMSInvalidStateException");
        await expectError(kms.send(new DecryptCommand({ CiphertextBlob: ct })), "KMSInvalidStateException");
      } finally {
        proxy.mode = { kind: "ok" };
      }
    }
    assert.equal((await kms.send(new DecryptCommand({ CiphertextBlob: ct }))).Plaintext?.length, 1);
  });

  test("a proxy that does not answer times out as KMSInvalidStateException", async () => {
    proxy.mode = { kind: "hang" };
    try {
      const t0 = Date.now();
      const e = await expectError(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("t") })), "KMSInvalidStateException");
      assert.match(e.message, /did not respond in time/);
      assert.ok(Date.now() - t0 < 10_000);
    } finally {
      proxy.mode = { kind: "ok" };
    }
  });

  test("decrypting fails once the external key is removed from the proxy: the proxy really holds the outer layer", async () => {
    proxy.addKey("ext-temp");
    const k = await kms.send(new CreateKeyCommand({ Origin: "EXTERNAL_KEY_STORE", CustomKeyStoreId: storeId, XksKeyId: "ext-temp" }));
    const id = k.KeyMetadata?.KeyId ?? "";
    const ct = (await kms.send(new EncryptCommand({ KeyId: id, Plaintext: Buffer.from("gone") }))).CiphertextBlob;
    const material = proxy.keys.get("ext-temp");
    proxy.keys.delete("ext-temp");
    const e = await expectError(kms.send(new DecryptCommand({ CiphertextBlob: ct })), "KMSInvalidStateException");
    assert.match(e.message, /was not found in its external key manager/);
    if (material !== undefined) proxy.keys.set("ext-temp", material);
    assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: ct }))).Plaintext ?? []).toString(), "gone");
  });

  test("disconnected: keys read Unavailable and Encrypt/Decrypt answer KMSInvalidStateException; reconnected they work", async () => {
    const ct = (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("later") }))).CiphertextBlob;
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
    assert.equal((await storeOf(storeId)).ConnectionState, "DISCONNECTED");
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState, "Unavailable");
    const calls = proxy.calls.length;
    await expectError(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("n") })), "KMSInvalidStateException");
    await expectError(kms.send(new DecryptCommand({ CiphertextBlob: ct })), "KMSInvalidStateException");
    assert.equal(proxy.calls.length, calls, "no proxy call for a disconnected store");
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState, "Enabled");
    assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: ct }))).Plaintext ?? []).toString(), "later");
  });

  test("the key-state table's Unavailable column, driven with a key in a disconnected external key store", async () => {
    const ec = { k: "v" };
    const sealed = (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("before"), EncryptionContext: ec }))).CiphertextBlob;
    const software = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? "";
    const softBlob = (await kms.send(new EncryptCommand({ KeyId: software, Plaintext: Buffer.from("x") }))).CiphertextBlob;
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
    const calls: Record<string, () => Promise<unknown>> = {
      Encrypt: () => kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") })),
      Decrypt: () => kms.send(new DecryptCommand({ CiphertextBlob: sealed, EncryptionContext: ec })),
      GenerateDataKey: () => kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 16 })),
      GenerateDataKeyWithoutPlaintext: () => kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, NumberOfBytes: 16 })),
      ReEncrypt: () => kms.send(new ReEncryptCommand({ CiphertextBlob: softBlob, DestinationKeyId: keyId })),
      DescribeKey: () => kms.send(new DescribeKeyCommand({ KeyId: keyId })),
      GetKeyRotationStatus: () => kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId })),
      CreateAlias: () => kms.send(new CreateAliasCommand({ AliasName: "alias/xks-unavailable", TargetKeyId: keyId })),
      TagResource: () => kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "t", TagValue: "v" }] })),
      UpdateKeyDescription: () => kms.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: "while unavailable" })),
    };
    try {
      for (const [op, call] of Object.entries(calls)) {
        const expected = KEY_STATE_TABLE[op]?.Unavailable;
        assert.ok(expected !== undefined, op);
        if (expected === "ok") await call();
        else await expectError(call(), expected);
      }
      await kms.send(new DisableKeyCommand({ KeyId: keyId }));
      assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState, "Unavailable");
    } finally {
      await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
    }
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState, "Disabled");
    await expectError(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") })), "DisabledException");
    await kms.send(new EnableKeyCommand({ KeyId: keyId }));
    const again = await kms.send(new DecryptCommand({ CiphertextBlob: sealed, EncryptionContext: ec }));
    assert.equal(Buffer.from(again.Plaintext ?? []).toString(), "before");
  });

  test("a failed connection is FAILED with AWS's ConnectionErrorCode, and must be disconnected before another try", async () => {
    const cases = [
      [{ kind: "error", status: 401, errorName: "AuthenticationFailedException" }, "INVALID_CREDENTIALS"],
      [{ kind: "error", status: 403, errorName: "AccessDeniedException" }, "XKS_PROXY_ACCESS_DENIED"],
      [{ kind: "error", status: 404, errorName: "InvalidUriPathException" }, "XKS_PROXY_INVALID_CONFIGURATION"],
      [{ kind: "garbage" }, "XKS_PROXY_INVALID_RESPONSE"],
      [{ kind: "hang" }, "XKS_PROXY_TIMED_OUT"],
    ] as const;
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
    for (const [mode, code] of cases) {
      proxy.mode = mode;
      try {
        await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
      } finally {
        proxy.mode = { kind: "ok" };
      }
      const s = await storeOf(storeId);
      assert.equal(s.ConnectionState, "FAILED", code);
      assert.equal(s.ConnectionErrorCode, code);
      await expectError(kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId })), "CustomKeyStoreInvalidStateException");
      await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
    }
  });

  test("an unreachable proxy fails the connection with XKS_PROXY_NOT_REACHABLE", async () => {
    const other = await TestXksProxy.start({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, pathPrefix: "/other" });
    const { CustomKeyStoreId } = await kms.send(xksStore("xks-soon-gone", { XksProxyUriEndpoint: other.endpoint, XksProxyUriPath: other.uriPath }));
    await other.stop();
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId }));
    const s = await storeOf(CustomKeyStoreId ?? "");
    assert.equal(s.ConnectionState, "FAILED");
    assert.equal(s.ConnectionErrorCode, "XKS_PROXY_NOT_REACHABLE");
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId }));
    await kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId }));
  });

  test("UpdateCustomKeyStore: name, credential and path while connected; the endpoint only while DISCONNECTED; each checked with the proxy", async () => {
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
    await kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeId, NewCustomKeyStoreName: "xks-renamed" }));
    assert.equal((await storeOf(storeId)).CustomKeyStoreName, "xks-renamed");
    await expectError(
      kms.send(
        new UpdateCustomKeyStoreCommand({
          CustomKeyStoreId: storeId,
          XksProxyAuthenticationCredential: { AccessKeyId: ACCESS_KEY_ID, RawSecretAccessKey: OTHER_SECRET },
        }),
      ),
      "XksProxyIncorrectAuthenticationCredentialException",
    );
    await expectError(
      kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeId, XksProxyUriEndpoint: "http://localhost:1" })),
      "CustomKeyStoreInvalidStateException",
    );
    await kms.send(
      new UpdateCustomKeyStoreCommand({
        CustomKeyStoreId: storeId,
        XksProxyAuthenticationCredential: { AccessKeyId: ACCESS_KEY_ID, RawSecretAccessKey: SECRET },
      }),
    );
    const ct = (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("still") }))).CiphertextBlob;
    assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: ct }))).Plaintext ?? []).toString(), "still");
  });

  test("DeleteCustomKeyStore needs a DISCONNECTED store without keys", async () => {
    await expectError(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: storeId })), "CustomKeyStoreHasCMKsException");
    const other = await TestXksProxy.start({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, pathPrefix: "/empty" });
    try {
      const { CustomKeyStoreId } = await kms.send(xksStore("xks-empty", { XksProxyUriEndpoint: other.endpoint, XksProxyUriPath: other.uriPath }));
      await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId }));
      await expectError(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId })), "CustomKeyStoreInvalidStateException");
      await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId }));
      await kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId }));
      await expectError(kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId })), "CustomKeyStoreNotFoundException");
    } finally {
      await other.stop();
    }
    // A key pending deletion can still be scheduled while the store is connected.
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
  });
});

describe("external key stores across a restart", () => {
  test("a CONNECTED external key store stays CONNECTED across a restart without a proxy call at start; its stored credential still works, and a proxy refusing it fails the calls, not the store", async () => {
    const proxy = await TestXksProxy.start({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET });
    proxy.addKey("restart-key");
    const dataDir = tempDir();
    const start = (): Promise<Trent> => Trent.start(resolveConfig({ port: "0", dataDir }, {}), { log: () => {} });
    const clientOf = (t: Trent): KMSClient =>
      new KMSClient({ endpoint: t.endpoint, region: REGION, maxAttempts: 1, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    let trent = await start();
    let kms = clientOf(trent);
    try {
      const { CustomKeyStoreId } = await kms.send(
        new CreateCustomKeyStoreCommand({
          CustomKeyStoreName: "xks-restart",
          CustomKeyStoreType: "EXTERNAL_KEY_STORE",
          XksProxyConnectivity: "PUBLIC_ENDPOINT",
          XksProxyUriEndpoint: proxy.endpoint,
          XksProxyUriPath: proxy.uriPath,
          XksProxyAuthenticationCredential: { AccessKeyId: ACCESS_KEY_ID, RawSecretAccessKey: SECRET },
        }),
      );
      await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId }));
      const key = await kms.send(new CreateKeyCommand({ Origin: "EXTERNAL_KEY_STORE", CustomKeyStoreId, XksKeyId: "restart-key" }));
      const ct = (await kms.send(new EncryptCommand({ KeyId: key.KeyMetadata?.KeyId, Plaintext: Buffer.from("restart") }))).CiphertextBlob;

      kms.destroy();
      await trent.stop();
      const health = proxy.count("health");
      trent = await start();
      kms = clientOf(trent);
      assert.equal(proxy.count("health"), health, "no GetHealthStatus at start");
      const [s] = (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId }))).CustomKeyStores ?? [];
      assert.equal(s?.ConnectionState, "CONNECTED");
      assert.deepEqual(s?.XksProxyConfiguration?.UriEndpoint, proxy.endpoint);
      assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: ct }))).Plaintext ?? []).toString(), "restart");

      kms.destroy();
      await trent.stop();
      proxy.mode = { kind: "error", status: 401, errorName: "AuthenticationFailedException" };
      trent = await start();
      kms = clientOf(trent);
      await expectError(kms.send(new DecryptCommand({ CiphertextBlob: ct })), "KMSInvalidStateException");
      const [still] = (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId }))).CustomKeyStores ?? [];
      assert.equal(still?.ConnectionState, "CONNECTED");
    } finally {
      kms.destroy();
      await trent.stop();
      await proxy.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
