import { SignatureV4 } from "@smithy/signature-v4";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Sha256 } from "../../test/support/signed-request.js";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { SigV4Verifier, signRequest } from "./sigv4.js";


const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const SECRET = "PbjprTDt4/FKvxKbIeEckl0lNxpPbRoGCmiaYpYbTVo=";

describe("signRequest, the SigV4 signer for XKS proxy requests", () => {
  const req = {
    method: "POST",
    path: "/example/kms/xks/v1/keys/ext-1/encrypt",
    host: "xks.example.com",
    headers: { "content-type": "application/json" },
    body: Buffer.from('{"plaintext":"AAAA"}'),
  };
  const cred = { accessKeyId: "BETWEENKMSANDXKSPROXYA", secret: Buffer.from(SECRET), region: "eu-west-1", service: "kms-xks-proxy" };

  test("gives the signature @smithy/signature-v4 gives for the same request", async () => {
    const mine = signRequest(req, cred, NOW);
    const smithy = new SignatureV4({
      service: "kms-xks-proxy",
      region: "eu-west-1",
      credentials: { accessKeyId: cred.accessKeyId, secretAccessKey: SECRET },
      sha256: Sha256,
    });
    const theirs = await smithy.sign(
      {
        method: "POST",
        protocol: "https:",
        hostname: req.host,
        path: req.path,
        headers: { ...mine, authorization: "" },
        body: req.body,
      },
      { signingDate: new Date(NOW), unsignableHeaders: new Set(["authorization"]) },
    );
    const sig = (h: string | undefined): string | undefined => /Signature=([0-9a-f]{64})/.exec(h ?? "")?.[1];
    assert.ok(sig(mine["authorization"]) !== undefined);
    assert.equal(sig(mine["authorization"]), sig(theirs.headers["authorization"]));
  });

  test("is accepted by the verifier for service kms-xks-proxy, and refused under another secret", async () => {
    const headers = signRequest(req, cred, NOW);
    const ok = new SigV4Verifier({ service: "kms-xks-proxy", now: () => NOW, lookupSecret: () => SecretBytes.copyOf(Buffer.from(SECRET)) });
    const caller = await ok.verify({ method: "POST", url: req.path, headers, body: req.body });
    assert.equal(caller.region, "eu-west-1");
    const wrong = new SigV4Verifier({ service: "kms-xks-proxy", now: () => NOW, lookupSecret: () => SecretBytes.copyOf(Buffer.from("other")) });
    await assert.rejects(wrong.verify({ method: "POST", url: req.path, headers, body: req.body }));
  });
});
