/**
 * Parsing of typed condition values: numbers, dates (W3C ISO 8601 profiles or epoch seconds)
 * and base64 binaries. Shared by the compiler (policy values) and the evaluator (request values).
 */

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (!NUMBER.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

const EPOCH = /^[+-]?\d+(\.\d+)?$/;
// YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.s+]][TZD]
const ISO =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|z|[+-]\d{2}:?\d{2})?)?)?)?$/;

/** Epoch milliseconds of a date value, or undefined when it is not a date AWS accepts. */
export function parseDate(s: string): number | undefined {
  const t = s.trim();
  if (EPOCH.test(t) && !/^\d{4}$/.test(t)) {
    const n = Number(t);
    return Number.isFinite(n) ? Math.round(n * 1000) : undefined;
  }
  const m = ISO.exec(t);
  if (m === null) return undefined;
  const [, y, mo = "01", d = "01", h = "00", mi = "00", sec = "00", frac = "", tz] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  let ms = Date.UTC(Number(y), month - 1, day, hour, minute, second, Math.floor(Number(`0.${frac || "0"}`) * 1000));
  if (new Date(ms).getUTCDate() !== day) return undefined; // e.g. 2023-02-30
  if (tz !== undefined && tz.toUpperCase() !== "Z") {
    const sign = tz.startsWith("-") ? -1 : 1;
    const digits = tz.slice(1).replace(":", "");
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    ms -= sign * offset * 60_000;
  }
  return ms;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function parseBase64(s: string): Buffer | undefined {
  const t = s.trim();
  if (!BASE64.test(t)) return undefined;
  return Buffer.from(t, "base64");
}
