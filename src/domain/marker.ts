import { KmsError } from "./errors.js";

/**
 * Paging markers: opaque to clients, but checked on the way back in so that a made-up marker
 * gives InvalidMarkerException rather than a silently wrong page.
 */
export function encodeMarker(kind: string, position: string): string {
  return Buffer.from(JSON.stringify([kind, position]), "utf8").toString("base64url");
}

export function decodeMarker(kind: string, marker: string | undefined): string | undefined {
  if (marker === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(marker, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 2 && v[0] === kind && typeof v[1] === "string") return v[1];
  } catch {
    // fall through
  }
  throw new KmsError("InvalidMarkerException", "Invalid marker");
}
