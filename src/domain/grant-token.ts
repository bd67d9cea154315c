import { createHash } from "node:crypto";

/**
 * Grant tokens. AWS's are opaque strings that let a grantee use a new grant before it is
 * consistent throughout the service. Trent's grants are consistent as soon as CreateGrant
 * answers, so a token carries no authority of its own: it names a grant (key id and grant id),
 * is unique per CreateGrant call (a random nonce), and has a checksum so that a damaged or
 * made-up token is recognised (InvalidGrantTokenException). Permission always comes from the
 * stored grant the token names, never from the token.
 *
 * Layout (base64url, no padding): version 0x01 | key-id length (1 byte) | key id (UTF-8) |
 * grant id (32 bytes) | nonce (16 bytes) | first 8 bytes of SHA-256 over everything before.
 */
const VERSION = 0x01;
const GRANT_ID_BYTES = 32;
const NONCE_BYTES = 16;
const CHECK_BYTES = 8;

function checksum(body: Buffer): Buffer {
  return createHash("sha256").update("trent grant token\0").update(body).digest().subarray(0, CHECK_BYTES);
}

export function encodeGrantToken(keyId: string, grantId: string, nonce: Buffer): string {
  const id = Buffer.from(keyId, "utf8");
  if (id.length === 0 || id.length > 255 || !/^[0-9a-f]{64}$/.test(grantId) || nonce.length !== NONCE_BYTES) {
    throw new Error("grant token: bad key id, grant id or nonce");
  }
  const body = Buffer.concat([Buffer.from([VERSION, id.length]), id, Buffer.from(grantId, "hex"), nonce]);
  return Buffer.concat([body, checksum(body)]).toString("base64url");
}

/** The grant a token names, or undefined for anything that is not a token Trent issued. */
export function decodeGrantToken(token: string): { readonly keyId: string; readonly grantId: string } | undefined {
  if (token.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const raw = Buffer.from(token, "base64url");
  if (raw.length < 2 || raw[0] !== VERSION) return undefined;
  const idLen = raw[1] ?? 0;
  const bodyLen = 2 + idLen + GRANT_ID_BYTES + NONCE_BYTES;
  if (idLen === 0 || raw.length !== bodyLen + CHECK_BYTES) return undefined;
  const body = raw.subarray(0, bodyLen);
  if (!checksum(body).equals(raw.subarray(bodyLen))) return undefined;
  if (raw.toString("base64url") !== token) return undefined;
  return {
    keyId: body.subarray(2, 2 + idLen).toString("utf8"),
    grantId: body.subarray(2 + idLen, 2 + idLen + GRANT_ID_BYTES).toString("hex"),
  };
}
