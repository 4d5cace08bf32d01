import { randomUUID } from "node:crypto";
import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from "@apollo/server-gateway-interface";
import { GraphQLError } from "graphql";
import type { GatewayContext } from "../context.js";
import type { FieldAccess } from "../field-access.js";
import { WrappingGateway } from "../wrapping-gateway.js";
import type { AccessEntry } from "./entry.js";
import { servedFields } from "./served-fields.js";
import type { AccessLogWriter } from "./writer.js";

function unavailable(): GraphQLError {
  return new GraphQLError("This access could not be recorded, so nothing is served; try again", {
    extensions: { code: "ACCESS_LOG_UNAVAILABLE" },
  });
}

/**
 * Accounts for every request that serves personal data: once the graph has answered, the persons
 * the registers say they served and the fields the answer carries are written to the access log,
 * and only then does the answer leave. If the entry cannot be made durable, the caller gets an
 * error and none of the data (fail closed).
 */
export class AccountingGateway extends WrappingGateway {
  constructor(
    inner: GatewayInterface,
    private readonly fieldAccess: FieldAccess,
    private readonly writer: AccessLogWriter,
    /** The registered document's id for a document's SHA-256, null for free text. */
    private readonly registeredId: (queryHash: string) => string | null = () => null,
    /** Told the persons each recorded answer served (the persons-per-hour limit counts them). */
    private readonly onServed: (context: GatewayContext, persons: string[]) => Promise<void> = async () => {},
  ) {
    super(inner);
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.writer.drain();
  }

  protected wrap(executor: GatewayExecutor): GatewayExecutor {
    return async (requestContext: GatewayGraphQLRequestContext) => {
      const context = requestContext.context as Partial<GatewayContext>;
      if (!context.caller || !context.trail || !context.access) {
        return executor(requestContext);
      }
      const result = await executor(requestContext);
      let persons: string[];
      try {
        persons = await context.trail.settled();
      } catch (error) {
        context.log?.error({ err: error }, "could not tell whose data was served");
        return { errors: [unavailable()] };
      }
      if (persons.length === 0) {
        return result;
      }
      const { served, refused, kinds } = servedFields({
        schema: requestContext.schema,
        document: requestContext.document,
        operationName: requestContext.operationName,
        data: result.data,
        errors: result.errors,
        fieldAccess: this.fieldAccess,
        access: context.access,
      });
      const { caller } = context;
      const entry: AccessEntry = {
        id: randomUUID(),
        at: new Date(),
        requestId: context.requestId ?? "unknown",
        agency: caller.agency ?? null,
        role: caller.role,
        subject: caller.sub,
        callerIdcs: caller.role === "CITIZEN" ? (caller.idcs ?? null) : null,
        purpose: caller.purpose ?? "",
        operationName: requestContext.operationName ?? null,
        documentHash: requestContext.queryHash,
        documentId: this.registeredId(requestContext.queryHash),
        served,
        refused,
        kinds,
        persons: [...persons].sort(),
      };
      try {
        await this.writer.record(entry);
      } catch (error) {
        context.log?.error({ err: error }, "access log write failed; answer withheld");
        return { errors: [unavailable()] };
      }
      await this.onServed(context as GatewayContext, persons);
      return result;
    };
  }
}
