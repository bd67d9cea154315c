/**
 * RSA signatures over a precomputed digest (KMS MessageType DIGEST). node:crypto's sign() always
 * hashes its input, so:
 * - RSASSA-PKCS1-v1_5: privateEncrypt(RSA_PKCS1_PADDING) of DigestInfo || digest (RFC 8017 §9.2;
 *   OpenSSL pads with block type 1 for a private-key operation). Deterministic, so it equals the
 *   RAW signature of the message.
 * - RSASSA-PSS: EMSA-PSS-ENCODE written here (RFC 8017 §9.1.1; MGF1 with the same hash, salt
 *   length = hash length, as AWS documents) and the bare RSA operation privateEncrypt(RSA_NO_PADDING).
 * Verification mirrors both with publicDecrypt.
 */
import { constants, createHash, privateEncrypt, publicDecrypt, randomBytes, timingSafeEqual, type KeyObject } from "node:crypto";
import { HASH_LENGTH, type HashName } from "./specs.js";

type SigningHash = Exclude<HashName, "sha1">;

/** DER of DigestInfo { AlgorithmIdentifier { hash OID, NULL }, OCTET STRING } up to the digest. */
const DIGEST_INFO_PREFIX: Readonly<Record<SigningHash, Buffer>> = {
  sha256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  sha384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
  sha512: Buffer.from("3051300d060960864801650304020305000440", "hex"),
};

function modulusBits(key: KeyObject): number {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits === undefined) throw new Error("not an RSA key");
  return bits;
}

/** MGF1 (RFC 8017 B.2.1). */
export function mgf1(hash: SigningHash, seed: Uint8Array, length: number): Buffer {
  const hLen = HASH_LENGTH[hash];
  const out = Buffer.alloc(Math.ceil(length / hLen) * hLen);
  const counter = Buffer.alloc(4);
  for (let i = 0; i * hLen < length; i++) {
    counter.writeUInt32BE(i);
    createHash(hash).update(seed).update(counter).digest().copy(out, i * hLen);
  }
  return out.subarray(0, length);
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) of an already computed mHash. */
export function emsaPssEncode(hash: SigningHash, mHash: Uint8Array, emBits: number, salt: Uint8Array): Buffer {
  const hLen = HASH_LENGTH[hash];
  const emLen = Math.ceil(emBits / 8);
  if (mHash.length !== hLen) throw new RangeError("digest length");
  if (emLen < hLen + salt.length + 2) throw new RangeError("encoding error");
  const h = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.alloc(emLen - hLen - 1);
  db[emLen - salt.length - hLen - 2] = 0x01;
  db.set(salt, emLen - salt.length - hLen - 1);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] ?? 0) ^ (mask[i] ?? 0);
  db[0] = (db[0] ?? 0) & (0xff >> (8 * emLen - emBits));
  return Buffer.concat([db, h, Buffer.of(0xbc)]);
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with a fixed salt length. */
export function emsaPssVerify(hash: SigningHash, mHash: Uint8Array, em: Buffer, emBits: number, sLen: number): boolean {
  const hLen = HASH_LENGTH[hash];
  const emLen = Math.ceil(emBits / 8);
  if (mHash.length !== hLen || em.length !== emLen) return false;
  if (emLen < hLen + sLen + 2) return false;
  if (em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff & ~(0xff >> (8 * emLen - emBits));
  if (((maskedDb[0] ?? 0) & topMask) !== 0) return false;
  const dbMask = mgf1(hash, h, maskedDb.length);
  const db = Buffer.alloc(maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] = (maskedDb[i] ?? 0) ^ (dbMask[i] ?? 0);
  db[0] = (db[0] ?? 0) & (0xff >> (8 * emLen - emBits));
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen);
  const h2 = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  return timingSafeEqual(h, h2);
}

/** RSASSA-PKCS1-v1_5 signature of a digest. */
export function rsaPkcs1SignDigest(hash: SigningHash, digest: Uint8Array, privateKey: KeyObject): Buffer {
  return privateEncrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
    Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]),
  );
}

export function rsaPkcs1VerifyDigest(hash: SigningHash, digest: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  const k = Math.ceil(modulusBits(publicKey) / 8);
  if (signature.length !== k) return false;
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  const expected = Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]);
  return recovered.length === expected.length && timingSafeEqual(recovered, expected);
}

/** RSASSA-PSS signature of a digest: MGF1 with the same hash, salt length = hash length. */
export function rsaPssSignDigest(hash: SigningHash, digest: Uint8Array, privateKey: KeyObject): Buffer {
  const bits = modulusBits(privateKey);
  const k = Math.ceil(bits / 8);
  const em = emsaPssEncode(hash, digest, bits - 1, randomBytes(HASH_LENGTH[hash]));
  // RSASP1 takes a k-byte integer: EM is one byte shorter when modBits ≡ 1 (mod 8).
  const input = em.length === k ? em : Buffer.concat([Buffer.alloc(k - em.length), em]);
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, input);
}

export function rsaPssVerifyDigest(hash: SigningHash, digest: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  const bits = modulusBits(publicKey);
  const k = Math.ceil(bits / 8);
  if (signature.length !== k) return false;
  let m: Buffer;
  try {
    m = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const emLen = Math.ceil((bits - 1) / 8);
  if (m.length !== k) return false;
  for (let i = 0; i < k - emLen; i++) if (m[i] !== 0) return false;
  return emsaPssVerify(hash, digest, m.subarray(k - emLen), bits - 1, HASH_LENGTH[hash]);
}
