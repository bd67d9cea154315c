import { createHmac, hash } from "node:crypto";

/** What a signed AWS JSON 1.1 call needs beyond its body. */
export interface Signature {
  readonly amzDate: string;
  readonly authorization: string;
}

export interface SignerOptions {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

export const CONTENT_TYPE = "application/x-amz-json-1.1";
const SIGNED_HEADERS = "content-type;host;x-amz-date;x-amz-target";

/**
 * A small SigV4 signer for the load generator: it signs what the AWS CLI v2 signs
 * (content-type, host, x-amz-date, x-amz-target), derives the signing key once per day and
 * formats the date once per second, so a request costs two SHA-256 and one HMAC.
 */
export class SigV4Signer {
  readonly #o: SignerOptions;
  #second = -1;
  #amzDate = "";
  #day = "";
  #scope = "";
  #credential = "";
  #key: Buffer = Buffer.alloc(0);

  constructor(opts: SignerOptions) {
    this.#o = opts;
  }

  sign(host: string, target: string, body: string, nowMs: number = Date.now()): Signature {
    this.#clock(nowMs);
    const canonical =
      `POST\n/\n\ncontent-type:${CONTENT_TYPE}\nhost:${host}\nx-amz-date:${this.#amzDate}\nx-amz-target:${target}\n\n` +
      `${SIGNED_HEADERS}\n${hash("sha256", body)}`;
    const toSign = `AWS4-HMAC-SHA256\n${this.#amzDate}\n${this.#scope}\n${hash("sha256", canonical)}`;
    const signature = createHmac("sha256", this.#key).update(toSign).digest("hex");
    return {
      amzDate: this.#amzDate,
      authorization: `AWS4-HMAC-SHA256 Credential=${this.#credential}, SignedHeaders=${SIGNED_HEADERS}, Signature=${signature}`,
    };
  }

  #clock(nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    if (second === this.#second) return;
    this.#second = second;
    const iso = new Date(second * 1000).toISOString(); // 2026-11-22T07:07:48.000Z
    this.#amzDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
    const day = this.#amzDate.slice(0, 8);
    if (day === this.#day) return;
    this.#day = day;
    this.#scope = `${day}/${this.#o.region}/kms/aws4_request`;
    this.#credential = `${this.#o.accessKeyId}/${this.#scope}`;
    const kDate = createHmac("sha256", `AWS4${this.#o.secretAccessKey}`).update(day).digest();
    const kRegion = createHmac("sha256", kDate).update(this.#o.region).digest();
    const kService = createHmac("sha256", kRegion).update("kms").digest();
    this.#key = createHmac("sha256", kService).update("aws4_request").digest();
  }
}
