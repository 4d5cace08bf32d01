import { GraphQLError } from "graphql";

/**
 * The longest bearer token the gateway reads. Ours are about 400 characters and identity
 * providers' access tokens a few kilobytes; 8192 stays under Node's 16 KiB header limit, so a
 * longer token is refused here with its own code rather than by the HTTP parser, and bounds what
 * the verified-token cache (10,000 entries) can be made to hold.
 */
export const MAX_TOKEN_CHARS = 8192;

export class TokenTooLargeError extends GraphQLError {
  constructor() {
    super(`The bearer token is longer than ${MAX_TOKEN_CHARS} characters`, {
      extensions: { code: "TOKEN_TOO_LARGE", http: { status: 431 } },
    });
    this.name = "TokenTooLargeError";
  }
}
