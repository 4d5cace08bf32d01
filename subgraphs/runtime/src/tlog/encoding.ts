import { TlogError } from "./errors.js";

/**
 * Strict encodings shared by the text formats (hand-written: see errors.ts). Node's base64 decoder
 * skips junk and accepts missing padding; these formats are compared byte for byte, so only the
 * canonical standard encoding (RFC 4648 §4) is accepted.
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Decodes canonical base64 (padding required, unused bits zero) or throws `code`. */
export function fromBase64(text: string, code: string, what: string): Uint8Array {
  if (!BASE64.test(text)) {
    throw new TlogError(code, `${what} is not base64`);
  }
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) {
    throw new TlogError(code, `${what} is not canonical base64`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Parses an ASCII decimal with no leading zeros that fits a JS number exactly, or throws `code`. */
export function parseDecimal(text: string, code: string, what: string): number {
  if (!DECIMAL.test(text)) {
    throw new TlogError(code, `${what} must be a decimal number without leading zeros, got ${JSON.stringify(text)}`);
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new TlogError(code, `${what} is larger than 2^53 - 1`);
  }
  return value;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}
