import { maxHeaderSize } from "node:http";
import type { Duplex } from "node:stream";

/*
 * Requests that Node's HTTP parser refuses never reach a handler: without a 'clientError' listener
 * Node answers them itself with a bare status line and an empty body (a 27 KB bearer token gets
 * "431" and nothing else). This answers them like every other refusal: a JSON GraphQL error with
 * a stable code, then the connection is closed, as the parser cannot continue on it.
 */

interface ParserError extends Error {
  code?: string;
}

const REFUSALS: Record<string, { status: number; reason: string; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: "Request Header Fields Too Large",
    code: "REQUEST_HEADER_TOO_LARGE",
    message: `The request headers are larger than the ${maxHeaderSize} bytes this server reads`,
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    reason: "Request Timeout",
    code: "REQUEST_TIMEOUT",
    message: "The request was not received in time",
  },
};

const MALFORMED = { status: 400, reason: "Bad Request", code: "BAD_REQUEST", message: "Malformed HTTP request" };

/** The raw HTTP/1.1 response for a request the parser refused. */
export function clientErrorResponse(error: ParserError): string {
  const refusal = (error.code && REFUSALS[error.code]) || MALFORMED;
  const body = JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
  return [
    `HTTP/1.1 ${refusal.status} ${refusal.reason}`,
    "content-type: application/json; charset=utf-8",
    `content-length: ${Buffer.byteLength(body)}`,
    "connection: close",
    "",
    body,
  ].join("\r\n");
}

/** A node:http server's 'clientError' listener. */
export function answerClientError(error: ParserError, socket: Duplex): void {
  // A reset connection, or one a response is already being written on, has nobody to answer.
  if (error.code === "ECONNRESET" || !socket.writable || ("_httpMessage" in socket && socket._httpMessage)) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorResponse(error));
}
