/*
 * Names and describes the request's SERVER span from what Apollo Server learns of the operation:
 * its type and name, the trusted document's id, the caller's agency, role and purpose (codes of
 * the catalogue, never free text), and the codes of the errors answered. Never variables,
 * documents, results or anyone's identity: the allow-list (span-allow-list.ts) drops them anyway.
 */
import type { ApolloServerPlugin, BaseContext, GraphQLRequestContext } from "@apollo/server";
import { trace } from "@opentelemetry/api";
import { catalogue } from "../access/access-catalogue.js";
import type { Caller } from "../access/caller.js";
import { trustedOperationNames } from "../metrics/label-sets.js";
import { plannedOperationName } from "../metrics/operation-metrics.js";
import { recordErrorCodes } from "./spans.js";

export interface OperationSpanOptions<Context extends BaseContext> {
  /** The caller the context holds, when one was authenticated. */
  callerOf: (context: Context) => Pick<Caller, "agency" | "role" | "purpose"> | undefined;
  /** The registered document's id, when the operation is one. */
  documentIdOf?: (request: GraphQLRequestContext<Context>) => string | null | undefined;
}

export function operationSpanPlugin<Context extends BaseContext>(
  options: OperationSpanOptions<Context>,
): ApolloServerPlugin<Context> {
  // An agency outside the catalogue is not recorded: the value set stays closed.
  const agencies = new Set(catalogue().agencies.map((agency) => agency.code));
  // An operation's name is the client's free text (it could be anyone's name): only the names of
  // registered documents are recorded, as in the metrics' labels.
  const registeredNames = new Set(trustedOperationNames());
  return {
    async requestDidStart() {
      const span = trace.getActiveSpan();
      if (!span?.isRecording()) {
        return {};
      }
      return {
        async didResolveOperation(request) {
          const type = request.operation?.operation;
          if (type) {
            span.updateName(type);
            span.setAttribute("graphql.operation.type", type);
          }
          const name = plannedOperationName(request.operationName);
          if (name && registeredNames.has(name)) {
            span.setAttribute("graphql.operation.name", name);
          }
          const documentId = options.documentIdOf?.(request);
          if (documentId) {
            span.setAttribute("graphql.document.id", documentId);
          }
        },
        async willSendResponse(request) {
          const caller = options.callerOf(request.contextValue);
          if (caller) {
            span.setAttribute("spx.role", caller.role);
            if (caller.agency && agencies.has(caller.agency)) {
              span.setAttribute("spx.agency", caller.agency);
            }
            if (caller.purpose) {
              span.setAttribute("spx.purpose", caller.purpose);
            }
          }
          recordErrorCodes(
            span,
            request.errors?.map((error) => ({ extensions: error.extensions })),
          );
          const body = request.response.body;
          if (body.kind === "single") {
            recordErrorCodes(span, body.singleResult.errors);
          }
        },
      };
    },
  };
}
