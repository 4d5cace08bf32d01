import type { GraphQLFormattedError } from "graphql";

/*
 * `hideSchemaDetailsFromClientErrors` strips "Did you mean …?" from validation errors only.
 * graphql-js adds the same suggestions, naming fields, input fields and enum values, to variable
 * coercion errors (`Value "REGIONN" does not exist in "StatisticDimension" enum. Did you mean the
 * enum value "REGION"?`), which Apollo answers as BAD_USER_INPUT after validation. In production
 * every error leaves without them. graphql-js never lists an enum's values otherwise, so this is
 * the one place they could leak. Names are [_A-Za-z0-9], so a suggestion ends at the first "?".
 */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

export function withoutSchemaHints(error: GraphQLFormattedError): GraphQLFormattedError {
  const message = error.message.replace(SUGGESTION, "");
  return message === error.message ? error : { ...error, message };
}
