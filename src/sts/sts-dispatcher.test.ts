import assert from "node:assert/strict";
import { test } from "node:test";
import { isStsRequest } from "./sts-dispatcher.js";

const AUTH = (service: string): string =>
  `AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261201/eu-west-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`;

test("isStsRequest: form-encoded bodies signed for service sts only", () => {
  assert.equal(isStsRequest({ "content-type": "application/x-www-form-urlencoded; charset=utf-8", authorization: AUTH("sts") }), true);
  assert.equal(isStsRequest({ "content-type": "application/x-www-form-urlencoded", authorization: AUTH("kms") }), false);
  assert.equal(isStsRequest({ "content-type": "application/x-amz-json-1.1", authorization: AUTH("sts") }), false);
  assert.equal(isStsRequest({ "content-type": "application/x-www-form-urlencoded" }), false);
});
