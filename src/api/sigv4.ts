import { createHmac, hash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { SecretBytes } from "../crypto/secret-bytes.js";
import { KmsError } from "../domain/errors.js";

/**
 * AWS Signature Version 4 verification (Authorization-header form), as AWS's JSON-protocol
 * services apply it to every request.
 *
 * Check order and wording follow what AWS answers (all HTTP 400 on the JSON 1.0/1.1 protocols):
 *  1. no Authorization header, or one not starting with "AWS4-"
 *       -> MissingAuthenticationTokenException "Missing Authentication Token"
 *     (JSON 1.1 services such as Kinesis/CloudWatch Events say this; DynamoDB, a JSON 1.0 service,
 *     says "Request is missing Authentication Token". mhart/kinesalite index.js; architect/dynalite
 *     test/connection.js, recorded against DynamoDB; aws-sdk-go-v2 output quoted in a public note:
 *     "StatusCode: 400 ... MissingAuthenticationTokenException: Missing Authentication Token")
 *  2. a token without '=' -> IncompleteSignatureException
 *       "'X' not a valid key=value pair (missing equal-sign) in Authorization header: '...'."
 *  3. missing Credential / Signature / SignedHeaders / date header -> IncompleteSignatureException,
 *     one sentence each, then "Authorization=<header>" (dynalite, recorded: "Authorization header
 *     requires 'Credential' parameter. Authorization header requires 'Signature' parameter.
 *     Authorization header requires 'SignedHeaders' parameter. Authorization header requires
 *     existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-")
 *  4. date not ISO-8601 basic -> IncompleteSignatureException
 *       "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601"
 *  5. skew -> InvalidSignatureException "Signature expired: A is now earlier than B (C - 5 min.)" /
 *     "Signature not yet current: A is still later than B (C + 5 min.)" (KMS: aws/aws-sdk-js-v3#6400;
 *     Kinesis: aws/aws-sdk-go#2194, "status code: 400")
 *  6. host not signed -> InvalidSignatureException
 *       "'Host' must be a 'SignedHeader' in the AWS Authorization." (dynalite, recorded)
 *  7. algorithm -> IncompleteSignatureException
 *       "Unsupported AWS 'algorithm': 'X' (only AWS4-HMAC-SHA256 for now). " (dynalite, recorded)
 *  8. credential shape -> IncompleteSignatureException "Credential must have exactly 5
 *     slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'" (trailing
 *     slashes ignored; dynalite, recorded)
 *  9. scope -> InvalidSignatureException (not Incomplete), sentences concatenated:
 *     "Credential should be scoped to a valid region. " (current wording: an STS oracle test and a
 *     JSON-service 400 body both show it; older AWS added ", not 'xx'"),
 *     "Credential should be scoped to correct service: 'kms'. ",
 *     "Credential should be scoped with a valid terminator: 'aws4_request', not 'x'. ",
 *     "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP:
 *     'b' != '20130609', from '20130609T095204Z'." (dynalite, recorded)
 * 10. unknown access key -> UnrecognizedClientException "The security token included in the request
 *       is invalid." An x-amz-security-token is accepted only for an STS session key (ASIA...,
 *       issued by Trent's AssumeRole) and only when it is that session's token: a long-term key
 *       with any token, a session key without its token or with another -> the same answer; a
 *       session past its expiration -> ExpiredTokenException "The security token included in the
 *       request is expired" (checkToken; without one, any token is refused).
 *     (400 on JSON services: boto/boto3#509 DynamoDB, aws-azure-login#37 ECS; 403 is REST-JSON
 *     (Lambda, iann0036/iamlive#58) and Query (STS/SQS SignatureDoesNotMatch), not this protocol)
 * 11. signature mismatch -> InvalidSignatureException "The request signature we calculated does not
 *     match the signature you provided. Check your AWS Secret Access Key and signing method.
 *     Consult the service documentation for details." (real KMS, HTTP 400,
 *     application/x-amz-json-1.1: aws/aws-sdk-cpp#1681; AWS no longer appends the canonical
 *     request, and Trent never echoes the signature it computed).
 *     An x-amz-content-sha256 that differs from the SHA-256 of the body gets this same answer:
 *     JSON-protocol services have no XAmzContentSHA256Mismatch (that is S3's).
 */

export interface SignedRequest {
  method: string;
  /** Raw path and query as received (`req.url`). */
  url: string;
  headers: IncomingHttpHeaders;
  /**
   * Optional `req.headersDistinct`. Node joins repeated header fields with ", " where SigV4 joins
   * them with ","; this is consulted only for a signed header whose value contains a comma.
   */
  headersDistinct?: Record<string, string[] | undefined>;
  body: Buffer;
}

export interface VerifiedCaller {
  accessKeyId: string;
  region: string;
  /** Credential-scope date, yyyymmdd. */
  date: string;
}

export type SecretLookup = (
  accessKeyId: string,
) => SecretBytes | undefined | Promise<SecretBytes | undefined>;

export interface SigV4VerifierOptions {
  lookupSecret: SecretLookup;
  /** "kms" for Trent's own API; "kms-xks-proxy" for the test XKS proxy. */
  service?: "kms" | "kms-xks-proxy" | "sts";
  /**
   * Checks the request's x-amz-security-token for the access key (throws KmsError when it is not
   * acceptable). Without it, a request carrying any token is refused.
   */
  checkToken?: (accessKeyId: string, token: string | undefined) => void | Promise<void>;
  /** Allowed clock skew both ways; AWS uses 5 minutes. */
  clockSkewSeconds?: number;
  /** Clock in epoch milliseconds. */
  now?: () => number;
  /** Bound of the signing-key cache (oldest entry evicted first). */
  maxCachedKeys?: number;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
const TERMINATOR = "aws4_request";
const MSG_MISSING_TOKEN = "Missing Authentication Token";
const MSG_INVALID_TOKEN = "The security token included in the request is invalid.";
const MSG_SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const MSG_HOST_NOT_SIGNED = "'Host' must be a 'SignedHeader' in the AWS Authorization.";

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** us-east-1, us-gov-west-1, us-isob-east-1, cn-north-1, eusc-de-east-1, ... */
const REGION = /^[a-z]{2,4}(?:-[a-z]+){1,3}-\d{1,2}$/;
const SIGNATURE_HEX = /^[0-9a-f]{64}$/;
const NEEDS_VALUE_CLEANUP = /\t| {2}|^ | $/;
const AUTH_SEPARATORS = /[\s,]+/;
const NON_ASCII = /[^\x00-\x7f]/;
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** What an Authorization header says, apart from checks that depend on the request's date. */
interface ParsedAuthorization {
  readonly algorithm: string;
  readonly credential: string;
  readonly signedList: string;
  readonly signedNames: readonly string[];
  /** Undefined when the credential does not have 5 parts. */
  readonly accessKeyId: string | undefined;
  readonly scopeDate: string | undefined;
  readonly region: string | undefined;
  readonly service: string | undefined;
  /** Scope errors about region, service and terminator, in AWS's order. */
  readonly scopeErrors: string;
  readonly signature: string;
  /** Set when the header may be remembered (once its request verified) under this prefix. */
  readonly cacheAs: string | undefined;
}

/** "Signature=" and 64 hex digits. */
const SIGNATURE_TOKEN_LEN = 10 + 64;
const MAX_CACHED_PARSES = 1024;

interface CachedKey {
  /** The secret object the key was derived from: a different object means re-derive. */
  secret: SecretBytes;
  key: Buffer;
}

export class SigV4Verifier {
  readonly #lookupSecret: SecretLookup;
  readonly #checkToken: ((accessKeyId: string, token: string | undefined) => void | Promise<void>) | undefined;
  readonly #service: string;
  readonly #skewMs: number;
  readonly #skewLabel: string;
  readonly #now: () => number;
  readonly #maxCachedKeys: number;
  /** accessKeyId/date/region -> signing key. Parts never contain "/". */
  readonly #keys = new Map<string, CachedKey>();
  /** Authorization header without its signature -> its parse (see #cachedParse). */
  readonly #parses = new Map<string, ParsedAuthorization>();

  constructor(opts: SigV4VerifierOptions) {
    this.#lookupSecret = opts.lookupSecret;
    this.#checkToken = opts.checkToken;
    this.#service = opts.service ?? "kms";
    const skew = opts.clockSkewSeconds ?? 300;
    this.#skewMs = skew * 1000;
    this.#skewLabel = `${skew / 60} min.`;
    this.#now = opts.now ?? Date.now;
    this.#maxCachedKeys = Math.max(1, opts.maxCachedKeys ?? 10_000);
  }

  /** Drops every cached signing key of `accessKeyId` (key deleted, disabled or rotated). */
  forget(accessKeyId: string): void {
    const prefix = `${accessKeyId}/`;
    for (const [k, entry] of this.#keys) {
      if (k.startsWith(prefix)) {
        entry.key.fill(0);
        this.#keys.delete(k);
      }
    }
  }

  /** Resolves to the caller, or rejects with a KmsError worded as AWS words it. */
  async verify(req: SignedRequest): Promise<VerifiedCaller> {
    const headers = req.headers;
    const auth = headers.authorization;
    if (auth === undefined || !auth.trimStart().startsWith("AWS4-")) {
      throw new KmsError("MissingAuthenticationTokenException", MSG_MISSING_TOKEN);
    }
    const amzDate = headerString(headers["x-amz-date"]) ?? headerString(headers.date);
    const parsed = (amzDate ? this.#cachedParse(auth) : undefined) ?? this.#parse(auth, amzDate);
    const { accessKeyId, scopeDate, region, service, signedList, signedNames, signature } = parsed;
    if (!amzDate) throw new Error("unreachable: #parse requires a date"); // #parse threw already

    const requestMs = parseAmzDate(amzDate);
    if (requestMs === undefined) {
      throw incomplete(
        `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      );
    }
    const nowMs = Math.floor(this.#now() / 1000) * 1000;
    if (requestMs < nowMs - this.#skewMs) {
      throw invalid(
        `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(nowMs - this.#skewMs)} ` +
          `(${formatAmzDate(nowMs)} - ${this.#skewLabel})`,
      );
    }
    if (requestMs > nowMs + this.#skewMs) {
      throw invalid(
        `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(nowMs + this.#skewMs)} ` +
          `(${formatAmzDate(nowMs)} + ${this.#skewLabel})`,
      );
    }

    if (!signedNames.includes("host")) throw invalid(MSG_HOST_NOT_SIGNED);

    if (parsed.algorithm !== ALGORITHM) {
      throw incomplete(`Unsupported AWS 'algorithm': '${parsed.algorithm}' (only AWS4-HMAC-SHA256 for now). `);
    }

    if (accessKeyId === undefined || scopeDate === undefined || region === undefined || service === undefined) {
      throw incomplete(
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, " +
          `got '${parsed.credential}'`,
      );
    }

    let scopeErrors = parsed.scopeErrors;
    const requestDay = amzDate.slice(0, 8);
    if (scopeDate !== requestDay) {
      scopeErrors +=
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
        `'${scopeDate}' != '${requestDay}', from '${amzDate}'.`;
    }
    if (scopeErrors !== "") throw invalid(scopeErrors);

    // Only STS session keys take a security token, and only their own (see checkToken).
    const token = headers["x-amz-security-token"];
    if (accessKeyId === "" || Array.isArray(token)) throw new KmsError("UnrecognizedClientException", MSG_INVALID_TOKEN);
    if (this.#checkToken !== undefined) {
      const checked = this.#checkToken(accessKeyId, token);
      if (checked instanceof Promise) await checked;
    } else if (token !== undefined) throw new KmsError("UnrecognizedClientException", MSG_INVALID_TOKEN);
    const found = this.#lookupSecret(accessKeyId);
    const secret = found instanceof Promise ? await found : found;
    if (secret === undefined || secret.disposed) {
      throw new KmsError("UnrecognizedClientException", MSG_INVALID_TOKEN);
    }

    // The payload hash always comes from the body (the AWS CLI sends no x-amz-content-sha256).
    const payloadHash = req.body.length === 0 ? EMPTY_SHA256 : hash("sha256", req.body);
    const claimedHash = headers["x-amz-content-sha256"];
    if (claimedHash !== undefined && claimedHash !== payloadHash) throw invalid(MSG_SIGNATURE_MISMATCH);

    if (!SIGNATURE_HEX.test(signature)) throw invalid(MSG_SIGNATURE_MISMATCH);

    const canonicalRequest = buildCanonicalRequest(req, signedList, signedNames, payloadHash);
    if (canonicalRequest === undefined) throw invalid(MSG_SIGNATURE_MISMATCH);

    const scope = `${scopeDate}/${region}/${service}/${TERMINATOR}`;
    const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${hash("sha256", canonicalRequest)}`;
    const signingKey = this.#signingKey(accessKeyId, scopeDate, region, secret);
    const expected = createHmac("sha256", signingKey).update(stringToSign).digest();
    if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) throw invalid(MSG_SIGNATURE_MISMATCH);
    // Remembered only once a request with this header verified: unknown callers cannot fill the cache.
    if (parsed.cacheAs !== undefined) this.#remember(parsed.cacheAs, parsed);

    return { accessKeyId, region, date: scopeDate };
  }

  /**
   * The parse of an Authorization header whose part before its final "Signature=<64 hex>" was
   * parsed (and found well-formed, with a valid scope apart from its date) by an earlier request:
   * clients send the same credential and signed headers on every request, only the signature
   * changes. Undefined when the header has another shape or its prefix is not cached.
   */
  #cachedParse(auth: string): ParsedAuthorization | undefined {
    const at = auth.length - SIGNATURE_TOKEN_LEN;
    if (at <= 0 || !auth.startsWith("Signature=", at)) return undefined;
    const signature = auth.slice(at + 10);
    if (!SIGNATURE_HEX.test(signature)) return undefined; // the full parse words what is wrong
    const hit = this.#parses.get(auth.slice(0, at));
    return hit === undefined ? undefined : { ...hit, signature };
  }

  #remember(prefix: string, parsed: ParsedAuthorization): void {
    if (this.#parses.size >= MAX_CACHED_PARSES) this.#parses.clear();
    this.#parses.set(prefix, { ...parsed, signature: "", cacheAs: undefined });
  }

  /** Algorithm and "Key=Value" tokens, separated by commas and/or whitespace, as AWS reads them. */
  #parse(auth: string, amzDate: string | undefined): ParsedAuthorization {
    const tokens = auth.trim().split(AUTH_SEPARATORS);
    const algorithm = tokens[0] ?? "";
    let credential: string | undefined;
    let signedHeaders: string | undefined;
    let signature: string | undefined;
    let signatureTokens = 0;
    for (let i = 1; i < tokens.length; i++) {
      const token = tokens[i] ?? "";
      if (token === "") continue;
      const eq = token.indexOf("=");
      if (eq < 0) {
        throw incomplete(
          `'${token}' not a valid key=value pair (missing equal-sign) in Authorization header: '${auth}'.`,
        );
      }
      const name = token.slice(0, eq);
      const value = token.slice(eq + 1);
      if (name === "Credential") credential = value;
      else if (name === "SignedHeaders") signedHeaders = value;
      else if (name === "Signature") {
        signature = value;
        signatureTokens++;
      }
    }

    let missing = "";
    if (!credential) missing += "Authorization header requires 'Credential' parameter. ";
    if (!signature) missing += "Authorization header requires 'Signature' parameter. ";
    if (signedHeaders === undefined) missing += "Authorization header requires 'SignedHeaders' parameter. ";
    if (!amzDate) {
      missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    }
    if (missing !== "" || !credential || !signature || signedHeaders === undefined || !amzDate) {
      throw incomplete(`${missing}Authorization=${auth}`);
    }

    const signedList = signedHeaders.toLowerCase();
    const signedNames = signedList.split(";");

    let credentialEnd = credential.length;
    while (credentialEnd > 0 && credential.charCodeAt(credentialEnd - 1) === 0x2f) credentialEnd--;
    const scopeParts = credential.slice(0, credentialEnd).split("/");
    const [accessKeyId, scopeDate, region, service, terminator] = scopeParts;
    const shaped = scopeParts.length === 5 && terminator !== undefined;

    // Scope errors other than the date's (checked per request).
    let scopeErrors = "";
    if (shaped && region !== undefined && service !== undefined) {
      if (!REGION.test(region)) scopeErrors += "Credential should be scoped to a valid region. ";
      if (service !== this.#service) {
        scopeErrors += `Credential should be scoped to correct service: '${this.#service}'. `;
      }
      if (terminator !== TERMINATOR) {
        scopeErrors += `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator}'. `;
      }
    }
    const parsed: ParsedAuthorization = {
      algorithm,
      credential,
      signedList,
      signedNames,
      accessKeyId: shaped ? accessKeyId : undefined,
      scopeDate: shaped ? scopeDate : undefined,
      region: shaped ? region : undefined,
      service: shaped ? service : undefined,
      scopeErrors,
      signature,
      cacheAs: undefined,
    };
    // Worth remembering: a well-formed header ending with its one Signature token.
    const prefixLen = auth.length - SIGNATURE_TOKEN_LEN;
    const cacheable =
      shaped &&
      scopeErrors === "" &&
      algorithm === ALGORITHM &&
      signatureTokens === 1 &&
      signature.length === 64 &&
      prefixLen > 0 &&
      auth.endsWith(`Signature=${signature}`) &&
      (auth.charCodeAt(prefixLen - 1) === 0x20 || auth.charCodeAt(prefixLen - 1) === 0x2c);
    return cacheable ? { ...parsed, cacheAs: auth.slice(0, prefixLen) } : parsed;
  }

  #signingKey(accessKeyId: string, date: string, region: string, secret: SecretBytes): Buffer {
    const cacheKey = `${accessKeyId}/${date}/${region}`;
    const cached = this.#keys.get(cacheKey);
    if (cached !== undefined && cached.secret === secret) return cached.key;

    const key = deriveSigningKey(secret.expose(), date, region, this.#service);
    if (cached !== undefined) {
      cached.key.fill(0);
      this.#keys.delete(cacheKey);
    } else if (this.#keys.size >= this.#maxCachedKeys) {
      const oldest = this.#keys.entries().next();
      if (oldest.done !== true) {
        oldest.value[1].key.fill(0);
        this.#keys.delete(oldest.value[0]);
      }
    }
    this.#keys.set(cacheKey, { secret, key });
    return key;
  }
}

/** What signRequest signs: a request Trent sends (to an XKS proxy). */
export interface OutgoingRequest {
  readonly method: string;
  /** Path and query, already URI-encoded. */
  readonly path: string;
  /** Host header value (host[:port]). */
  readonly host: string;
  /** Further headers to sign (lower-case names), e.g. content-type. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface SigningCredential {
  readonly accessKeyId: string;
  /** The secret access key; only read here. */
  readonly secret: Buffer;
  readonly region: string;
  readonly service: string;
}

/**
 * Signs an outgoing request with SigV4 (AWS4-HMAC-SHA256), using the verifier's canonical-request
 * code: returns every header to send (host, x-amz-date, x-amz-content-sha256, the given ones and
 * authorization). The signing key is derived per call (outgoing calls are few).
 */
export function signRequest(req: OutgoingRequest, cred: SigningCredential, nowMs: number): Record<string, string> {
  const amzDate = formatAmzDate(nowMs);
  const payloadHash = hash("sha256", req.body);
  const headers: Record<string, string> = {
    ...req.headers,
    host: req.host,
    "x-amz-date": amzDate,
    "x-amz-content-sha256": payloadHash,
  };
  const names = Object.keys(headers).map((n) => n.toLowerCase()).sort();
  const signedList = names.join(";");
  const canonical = buildCanonicalRequest({ method: req.method, url: req.path, headers, body: req.body }, signedList, names, payloadHash);
  if (canonical === undefined) throw new RangeError("the request path cannot be signed");
  const scope = `${amzDate.slice(0, 8)}/${cred.region}/${cred.service}/${TERMINATOR}`;
  const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${hash("sha256", canonical)}`;
  const key = deriveSigningKey(cred.secret, amzDate.slice(0, 8), cred.region, cred.service);
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  key.fill(0);
  return {
    ...headers,
    authorization: `${ALGORITHM} Credential=${cred.accessKeyId}/${scope}, SignedHeaders=${signedList}, Signature=${signature}`,
  };
}

/** The signing key: kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function deriveSigningKey(secret: Buffer, date: string, region: string, service: string): Buffer {
  const seed = Buffer.allocUnsafe(4 + secret.length);
  seed.write("AWS4", 0, "latin1");
  secret.copy(seed, 4);
  const kDate = createHmac("sha256", seed).update(date).digest();
  seed.fill(0);
  const kRegion = createHmac("sha256", kDate).update(region).digest();
  kDate.fill(0);
  const kService = createHmac("sha256", kRegion).update(service).digest();
  kRegion.fill(0);
  const kSigning = createHmac("sha256", kService).update(TERMINATOR).digest();
  kService.fill(0);
  return kSigning;
}

/**
 * The canonical request, as a string or (when a header value holds non-ASCII) as bytes: Node
 * decodes header bytes as latin1, so latin1 gives back the bytes the client signed.
 */
function buildCanonicalRequest(
  req: SignedRequest,
  signedList: string,
  signedNames: readonly string[],
  payloadHash: string,
): string | Buffer | undefined {
  let target = req.url;
  if (!target.startsWith("/")) {
    // absolute-form request target ("http://host/path?query")
    const scheme = target.indexOf("://");
    const slash = scheme < 0 ? -1 : target.indexOf("/", scheme + 3);
    target = slash < 0 ? "/" : target.slice(slash);
  }
  const q = target.indexOf("?");
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? "" : target.slice(q + 1);
  const uri = canonicalUri(rawPath);
  const query = canonicalQuery(rawQuery);
  if (uri === undefined || query === undefined) return undefined;

  let canonicalHeaders = "";
  for (const name of signedNames) {
    canonicalHeaders += `${name}:${canonicalHeaderValue(req, name)}\n`;
  }
  const canonical = `${req.method}\n${uri}\n${query}\n${canonicalHeaders}\n${signedList}\n${payloadHash}`;
  return NON_ASCII.test(canonicalHeaders) ? Buffer.from(canonical, "latin1") : canonical;
}

/**
 * Path normalised as RFC 3986 (empty and "." segments dropped, ".." pops) and every segment
 * URI-encoded once more: the path arrives encoded once, and SigV4 for every service but S3
 * encodes it twice. "/" separators are kept as they are.
 */
function canonicalUri(rawPath: string): string | undefined {
  if (rawPath === "/" || rawPath === "") return "/";
  const segments: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  if (segments.length === 0) return "/";
  let out = rawPath.startsWith("/") ? "/" : "";
  try {
    out += segments.map(uriEncode).join("/");
  } catch {
    return undefined; // lone surrogate
  }
  if (rawPath.endsWith("/")) out += "/";
  return out;
}

/** Parameters decoded, re-encoded strictly, sorted by name then value; X-Amz-Signature dropped. */
function canonicalQuery(rawQuery: string): string | undefined {
  if (rawQuery === "") return "";
  const pairs: Array<[string, string]> = [];
  try {
    for (const part of rawQuery.split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const name = percentDecode(eq < 0 ? part : part.slice(0, eq));
      if (name.toLowerCase() === "x-amz-signature") continue;
      const value = eq < 0 ? "" : percentDecode(part.slice(eq + 1));
      pairs.push([uriEncode(name), uriEncode(value)]);
    }
  } catch {
    return undefined;
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  let out = "";
  for (const [name, value] of pairs) out += out === "" ? `${name}=${value}` : `&${name}=${value}`;
  return out;
}

function canonicalHeaderValue(req: SignedRequest, name: string): string {
  const raw = req.headers[name];
  if (raw === undefined) return "";
  if (typeof raw !== "string") return raw.map(cleanHeaderValue).join(",");
  if (raw.includes(",") && req.headersDistinct !== undefined) {
    const distinct = req.headersDistinct[name];
    if (distinct !== undefined && distinct.length > 1) return distinct.map(cleanHeaderValue).join(",");
  }
  return cleanHeaderValue(raw);
}

/** Trims and collapses runs of spaces/tabs to one space (what the SDK signers do). */
function cleanHeaderValue(value: string): string {
  return NEEDS_VALUE_CLEANUP.test(value) ? value.replace(/[ \t]+/g, " ").trim() : value;
}

function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function percentDecode(s: string): string {
  if (!s.includes("%")) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // malformed escape: keep it literally (it is then encoded as "%25...")
  }
}

function headerString(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : value?.[0];
}

let lastDate = "";
let lastDateMs = 0;

/** Epoch ms of a yyyymmddThhmmssZ timestamp, or undefined when malformed or not a real instant. */
function parseAmzDate(s: string): number | undefined {
  if (s === lastDate) return lastDateMs; // requests signed in the same second
  const m = AMZ_DATE.exec(s);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(ms).getUTCDate() !== day) return undefined; // 20260231
  lastDate = s;
  lastDateMs = ms;
  return ms;
}

function formatAmzDate(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-12-01T12:00:00.000Z
  return (
    iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + "T" + iso.slice(11, 13) + iso.slice(14, 16) +
    iso.slice(17, 19) + "Z"
  );
}

function incomplete(message: string): KmsError {
  return new KmsError("IncompleteSignatureException", message);
}

function invalid(message: string): KmsError {
  return new KmsError("InvalidSignatureException", message);
}
