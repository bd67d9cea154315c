import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KmsError } from "./errors.js";
import { parseXksEndpoint, validateXksUriPath } from "./xks-uri.js";

const refused = (f: () => unknown, message?: string): void =>
  assert.throws(f, (e: unknown) => e instanceof KmsError && e.code === "XksProxyInvalidConfigurationException", message);
/** Dev mode's setting: plain http allowed for a loopback host. */
const DEV = { loopbackHttp: true } as const;

describe("XKS proxy endpoint and path", () => {
  test("https endpoints are accepted; plain http only for a loopback host, and only in dev mode", () => {
    assert.deepEqual(parseXksEndpoint("https://xks.example.com"), {
      endpoint: "https://xks.example.com",
      protocol: "https:",
      hostname: "xks.example.com",
      port: 443,
      host: "xks.example.com",
    });
    assert.equal(parseXksEndpoint("http://127.0.0.1:8123", DEV).port, 8123);
    assert.equal(parseXksEndpoint("http://localhost:8123", DEV).hostname, "localhost");
    assert.equal(parseXksEndpoint("http://[::1]:8123", DEV).hostname, "::1");
    assert.equal(parseXksEndpoint("http://[::1]:8123", DEV).host, "[::1]:8123");
    refused(() => parseXksEndpoint("http://xks.example.com", DEV));
    refused(() => parseXksEndpoint("http://127.0.0.1:8123"), "production mode: https only, loopback too");
    refused(() => parseXksEndpoint("http://10.0.0.1:8080", DEV));
    refused(() => parseXksEndpoint("https://xks.example.com/kms"));
    refused(() => parseXksEndpoint("https://xks.example.com/"));
    refused(() => parseXksEndpoint("https://user:pw@xks.example.com"));
    refused(() => parseXksEndpoint("ftp://127.0.0.1:21"));
    refused(() => parseXksEndpoint("not a uri"));
  });

  test("the URI path is [/prefix]/kms/xks/v1 of the allowed characters, 128 at most", () => {
    validateXksUriPath("/kms/xks/v1");
    validateXksUriPath("/tenant_a/kms/xks/v1");
    refused(() => validateXksUriPath("/kms/xks"));
    refused(() => validateXksUriPath("kms/xks/v1"));
    refused(() => validateXksUriPath("/a.b/kms/xks/v1"));
    refused(() => validateXksUriPath("/a//kms/xks/v1"));
    refused(() => validateXksUriPath(`/${"a".repeat(120)}/kms/xks/v1`));
  });
});
