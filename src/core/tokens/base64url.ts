/**
 * Base64url without padding (RFC 4648 §5) for code that also runs outside Node: Node's Buffer
 * where there is one (the server's hot path keeps its speed), atob/btoa in browsers, workers
 * and other runtimes without it. Decoding expects text already checked to be canonical
 * base64url (jws-parse.ts); it does not validate.
 */

// Read from globalThis so bundlers for a browser target see no Node global they must polyfill.
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/** Decodes base64url text into bytes. */
export function decodeBase64url(text: string): Uint8Array {
  return NodeBuffer === undefined ? decodeBase64urlPortably(text) : NodeBuffer.from(text, "base64url");
}

/** Encodes bytes as base64url without padding. */
export function encodeBase64url(bytes: Uint8Array): string {
  return NodeBuffer === undefined
    ? encodeBase64urlPortably(bytes)
    : NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/** {@link encodeBase64url} without Buffer: what browsers and workers run (exported for its test). */
export function encodeBase64urlPortably(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** {@link decodeBase64url} without Buffer: what browsers and workers run (exported for its test). */
export function decodeBase64urlPortably(text: string): Uint8Array {
  // atob is forgiving-base64 (HTML): padding may be left out.
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
