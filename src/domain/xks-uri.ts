import { KmsError } from "./errors.js";

/**
 * Validation of an external key store's proxy address (XksProxyUriEndpoint and XksProxyUriPath).
 *
 * AWS requires `https://` endpoints, and so does Trent in production mode. In dev mode Trent also
 * accepts plain `http://` when the host is a loopback address (127.0.0.1, ::1, localhost): a proxy
 * on the same machine, as the tests run one. Any other host must use https.
 */

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);
/** The model's pattern for XksProxyUriPathType (and the spec: 128 characters at most). */
const URI_PATH_RE = /^(\/[a-zA-Z0-9\/_-]+\/kms\/xks\/v\d+)$|^(\/kms\/xks\/v\d+)$/;

export interface ParsedXksEndpoint {
  /** `https://host[:port]` as given, without a trailing slash. */
  readonly endpoint: string;
  readonly protocol: "https:" | "http:";
  readonly hostname: string;
  readonly port: number;
  /** The Host header value. */
  readonly host: string;
}

function invalidEndpoint(reason: string): KmsError {
  return new KmsError("XksProxyInvalidConfigurationException", `The XksProxyUriEndpoint is not valid: ${reason}.`);
}

export function parseXksEndpoint(value: string, options: { readonly loopbackHttp: boolean } = { loopbackHttp: false }): ParsedXksEndpoint {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidEndpoint("it is not a URI of the form https://<server>");
  }
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "" || value.endsWith("/")) {
    throw invalidEndpoint("it must be https://<server>[:port] with no path, query or user information (give the path in XksProxyUriPath)");
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback && options.loopbackHttp)) {
    throw invalidEndpoint(
      options.loopbackHttp ? "it must begin with https:// (plain http:// is accepted only for a loopback host)" : "it must begin with https://",
    );
  }
  const protocol = url.protocol === "https:" ? "https:" : "http:";
  const port = url.port === "" ? (protocol === "https:" ? 443 : 80) : Number(url.port);
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { endpoint: value, protocol, hostname, port, host: url.host };
}

export function validateXksUriPath(path: string): void {
  // No empty segment: SigV4's canonical path would drop it while the request line kept it.
  if (path.length > 128 || !URI_PATH_RE.test(path) || path.includes("//")) {
    throw new KmsError(
      "XksProxyInvalidConfigurationException",
      "The XksProxyUriPath is not valid: it must be [/<prefix>]/kms/xks/v1, at most 128 characters of a-z, A-Z, 0-9, /, - and _.",
    );
  }
}
