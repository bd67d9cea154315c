import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { operations, shapes } from "../generated/kms-model.js";
import { NOT_IMPLEMENTED, OPERATIONS, TAKES_GRANT_TOKENS, isOperationName } from "./registry.js";

const modelOps = Object.keys(operations).sort();

describe("operation registry", () => {
  test("every operation of the model is either implemented or listed as not implemented", () => {
    const unaccounted = modelOps.filter((op) => !Object.hasOwn(OPERATIONS, op) && !Object.hasOwn(NOT_IMPLEMENTED, op));
    assert.deepEqual(unaccounted, [], "add these to OPERATIONS or NOT_IMPLEMENTED in src/ops/registry.ts");
  });

  test("no operation is both implemented and listed as not implemented", () => {
    const both = Object.keys(OPERATIONS).filter((op) => Object.hasOwn(NOT_IMPLEMENTED, op));
    assert.deepEqual(both, []);
  });

  test("both tables name only operations of the model", () => {
    for (const op of [...Object.keys(OPERATIONS), ...Object.keys(NOT_IMPLEMENTED)]) {
      assert.ok(isOperationName(op), `${op} is not an operation of the model`);
    }
  });

  test("every implemented operation has a handler and every not-implemented one a reason", () => {
    for (const [op, handler] of Object.entries(OPERATIONS)) assert.equal(typeof handler, "function", op);
    for (const [op, reason] of Object.entries(NOT_IMPLEMENTED)) {
      assert.equal(typeof reason, "string", op);
      assert.ok((reason ?? "").length > 0, `${op} needs a reason`);
    }
  });

  test("the implemented operations that validate GrantTokens are exactly those whose input has GrantTokens", () => {
    const withTokens = modelOps.filter((op) => {
      if (!Object.hasOwn(OPERATIONS, op)) return false;
      const input = shapes[operations[op as keyof typeof operations].input];
      return input?.type === "structure" && Object.hasOwn(input.members, "GrantTokens");
    });
    assert.deepEqual([...TAKES_GRANT_TOKENS].sort(), withTokens);
  });

  test("isOperationName accepts the model's operations and nothing else", () => {
    for (const op of modelOps) assert.ok(isOperationName(op), op);
    for (const other of ["", "toString", "__proto__", "constructor", "listKeys", "ListKeys ", "Foo"]) {
      assert.equal(isOperationName(other), false, JSON.stringify(other));
    }
  });
});
