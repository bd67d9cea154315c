import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { errorShapes } from "../generated/kms-model.js";
import { ERROR_STATUS, KmsError, type KmsErrorCode } from "./errors.js";

/**
 * The HTTP status of every error Trent answers with. Responses recorded against AWS KMS (JSON 1.1)
 * show 400 for every client error, whatever the model's httpError trait says (NotFoundException
 * 404, DisabledException and KMSInvalidStateException 409, DryRunOperationException 412 in the
 * model; all 400 on the wire). Only these are not 400:
 */
const NOT_400: Readonly<Partial<Record<KmsErrorCode, number>>> = {
  KMSInternalException: 500,
  KeyUnavailableException: 500,
  DependencyTimeoutException: 503,
  ServiceUnavailableException: 503,
  RequestEntityTooLargeException: 413,
};

const codes = Object.keys(ERROR_STATUS) as KmsErrorCode[];

describe("ERROR_STATUS, the one status table", () => {
  test("every client error is 400, KMSInternalException and KeyUnavailableException 500, DependencyTimeoutException 503", () => {
    assert.equal(ERROR_STATUS.KMSInternalException, 500);
    assert.equal(ERROR_STATUS.KeyUnavailableException, 500);
    assert.equal(ERROR_STATUS.DependencyTimeoutException, 503);
    for (const code of codes) {
      assert.equal(ERROR_STATUS[code], NOT_400[code] ?? 400, `${code}`);
    }
  });

  test("the model's 404/409/412 client errors are 400 on the wire", () => {
    for (const code of ["NotFoundException", "DisabledException", "KMSInvalidStateException", "DryRunOperationException", "AlreadyExistsException", "ConflictException"] as const) {
      assert.notEqual(errorShapes[code]?.httpError, 400, `the model gives ${code} a non-400 trait`);
      assert.equal(ERROR_STATUS[code], 400, code);
    }
  });

  test("every error shape of the model is in the table, with a status of its fault class", () => {
    for (const [name, shape] of Object.entries(errorShapes)) {
      assert.ok(Object.hasOwn(ERROR_STATUS, name), `${name} is missing from ERROR_STATUS`);
      const status = ERROR_STATUS[name as KmsErrorCode];
      if (shape.fault === "server") assert.ok(status >= 500, `${name} is a server fault`);
      else assert.equal(status, 400, `${name} is a client fault`);
    }
  });

  test("the protocol and authentication errors common to AWS JSON services are client errors (400)", () => {
    for (const code of [
      "AccessDeniedException",
      "IncompleteSignatureException",
      "InvalidSignatureException",
      "MissingAuthenticationTokenException",
      "UnrecognizedClientException",
      "SerializationException",
      "ValidationException",
      "UnknownOperationException",
      "ThrottlingException",
    ] as const) {
      assert.equal(ERROR_STATUS[code], 400, code);
    }
  });
});

describe("KmsError", () => {
  test("takes its status from the table and its fault from the status", () => {
    for (const code of codes) {
      const e = new KmsError(code, "m");
      assert.equal(e.status, ERROR_STATUS[code]);
      assert.equal(e.fault, ERROR_STATUS[code] >= 500 ? "server" : "client");
      assert.equal(e.name, code);
      assert.equal(e.code, code);
      assert.equal(e.message, "m");
    }
  });
});
