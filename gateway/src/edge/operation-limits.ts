import type { ApolloServerPlugin } from "@apollo/server";
import type { OperationLimit, OperationLimits } from "@spx/runtime/access";
import type { GraphQLError } from "graphql";
import type { ServedContext } from "../context.js";
import { limitExceeded } from "./limit-exceeded.js";
import { lexedTokens, measureOperation, type OperationShape } from "./operation-shape.js";
import { ShapeCache } from "./shape-cache.js";

/** Cheapest and most telling first: a client over several limits learns of the size first. */
const ORDER: readonly OperationLimit[] = [
  "documentBytes",
  "tokens",
  "depth",
  "rootFields",
  "aliases",
  "selections",
  "directivesPerLocation",
];

/** The first limit a shape exceeds, if any. */
export function exceededLimit(
  shape: OperationShape,
  limits: Readonly<OperationLimits>,
): { limit: OperationLimit; allowed: number } | undefined {
  for (const limit of ORDER) {
    if (shape[limit] > limits[limit]) {
      return { limit, allowed: limits[limit] };
    }
  }
  return undefined;
}

function tooManyTokens(source: string, limits: Readonly<OperationLimits>): boolean {
  try {
    return lexedTokens(source, limits.tokens) > limits.tokens;
  } catch {
    // Not even lexable: the syntax error stands.
    return false;
  }
}

function publicExtensions(error: GraphQLError): Record<string, unknown> {
  const { http: _http, ...extensions } = error.extensions;
  return extensions;
}

/**
 * Refuses an operation over its caller's operation limits (the grant's, or the catalogue's defaults
 * for a request without a caller) once it is parsed and validated, before anything is planned.
 * The largest documents never get this far: see `edgeLimits` for the ceilings applied before.
 */
export function operationLimitsPlugin(options: {
  defaults: Readonly<OperationLimits>;
  shapes?: ShapeCache;
}): ApolloServerPlugin<ServedContext> {
  const shapes = options.shapes ?? new ShapeCache();
  const limitsOf = (context: ServedContext) => context.access?.edge.limits ?? options.defaults;
  return {
    requestDidStart: async ({ contextValue }) => {
      const limits = limitsOf(contextValue);
      return {
        didResolveOperation: async ({ document, operationName, queryHash, source }) => {
          const shape = shapes.of(queryHash, operationName, () => measureOperation(document, operationName, source));
          const exceeded = exceededLimit(shape, limits);
          if (exceeded) {
            throw limitExceeded(exceeded.limit, exceeded.allowed);
          }
        },
        // The parser stops at the most tokens any grant allows (`parseOptions.maxTokens`) and says
        // so as a syntax error; the client is told which limit it hit, as for every other limit.
        willSendResponse: async ({ response, errors, source }) => {
          // Not every error Apollo collects has extensions: the executor passes some on as they came.
          const parseFailed = errors?.some((error) => error.extensions?.code === "GRAPHQL_PARSE_FAILED");
          if (parseFailed && source !== undefined && response.body.kind === "single" && tooManyTokens(source, limits)) {
            const refusal = limitExceeded("tokens", limits.tokens);
            response.body.singleResult = {
              errors: [{ message: refusal.message, extensions: publicExtensions(refusal) }],
            };
            response.http.status = 400;
          }
        },
      };
    },
  };
}
