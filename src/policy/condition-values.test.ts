import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseBase64, parseDate, parseNumber } from "./condition-values.js";

describe("typed condition values", () => {
  test("numbers may be integers or decimals, signed, with an exponent", () => {
    assert.equal(parseNumber("10"), 10);
    assert.equal(parseNumber("-1.5"), -1.5);
    assert.equal(parseNumber("1546257599.0"), 1546257599);
    assert.equal(parseNumber("1e3"), 1000);
    assert.equal(parseNumber(" 7 "), 7);
  });

  test("text that is not a number is refused", () => {
    for (const bad of ["", "ten", "0x10", "1,000", "NaN", "Infinity", "${aws:EpochTime}"]) assert.equal(parseNumber(bad), undefined, bad);
  });

  test("dates accept the W3C ISO 8601 profiles in UTC or with an offset", () => {
    assert.equal(parseDate("2019-07-16T12:00:00Z"), Date.UTC(2019, 6, 16, 12, 0, 0));
    assert.equal(parseDate("2019-07-16T12:00Z"), Date.UTC(2019, 6, 16, 12, 0, 0));
    assert.equal(parseDate("2019-07-16T12:00:00.250Z"), Date.UTC(2019, 6, 16, 12, 0, 0, 250));
    assert.equal(parseDate("2019-07-16T14:00:00+02:00"), Date.UTC(2019, 6, 16, 12, 0, 0));
    assert.equal(parseDate("2019-07-16"), Date.UTC(2019, 6, 16));
    assert.equal(parseDate("2019-07"), Date.UTC(2019, 6, 1));
    assert.equal(parseDate("2019"), Date.UTC(2019, 0, 1));
  });

  test("dates also accept epoch seconds", () => {
    assert.equal(parseDate("1563278400"), Date.UTC(2019, 6, 16, 12, 0, 0));
    assert.equal(parseDate("1563278400.5"), Date.UTC(2019, 6, 16, 12, 0, 0, 500));
  });

  test("impossible dates and other text are refused", () => {
    for (const bad of ["2023-02-30", "2019-13-01", "2019-07-16T25:00:00Z", "yesterday", "", "16/07/2019"]) assert.equal(parseDate(bad), undefined, bad);
  });

  test("binary values are base64, padded", () => {
    assert.deepEqual(parseBase64("QmluYXJ5VmFsdWVJbkJhc2U2NA=="), Buffer.from("BinaryValueInBase64"));
    assert.equal(parseBase64("not base64!"), undefined);
    assert.equal(parseBase64("abc"), undefined);
  });
});
