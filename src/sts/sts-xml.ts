/** AWS STS Query-protocol XML answers (API version 2011-06-15). */

export const STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";

/** Escapes element text (the answers put no text in attributes). */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

/** `<ActionResponse xmlns=...><ActionResult>inner</ActionResult><ResponseMetadata>...` */
export function successXml(action: string, inner: string, requestId: string): string {
  return (
    `<${action}Response xmlns="${STS_XMLNS}">\n` +
    `  <${action}Result>\n${inner}  </${action}Result>\n` +
    `  <ResponseMetadata>\n    <RequestId>${xmlEscape(requestId)}</RequestId>\n  </ResponseMetadata>\n` +
    `</${action}Response>\n`
  );
}

/** Simple `<Name>value</Name>` lines at an indentation. */
export function elements(indent: string, pairs: ReadonlyArray<readonly [string, string]>): string {
  let out = "";
  for (const [name, value] of pairs) out += `${indent}<${name}>${xmlEscape(value)}</${name}>\n`;
  return out;
}

export function errorXml(type: "Sender" | "Receiver", code: string, message: string, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${STS_XMLNS}">\n` +
    `  <Error>\n    <Type>${type}</Type>\n    <Code>${xmlEscape(code)}</Code>\n    <Message>${xmlEscape(message)}</Message>\n  </Error>\n` +
    `  <RequestId>${xmlEscape(requestId)}</RequestId>\n` +
    `</ErrorResponse>\n`
  );
}

/** ISO 8601 UTC to the second, as STS writes Expiration: 2019-11-09T13:34:41Z. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
