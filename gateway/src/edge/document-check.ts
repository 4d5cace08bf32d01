import { ApolloGateway } from "@apollo/gateway";
import { type GraphQLSchema, Kind, parse, validate } from "graphql";
import { readSupergraphPolicy } from "../supergraph-policy.js";
import type { ManifestOperation } from "./trusted-documents.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The schema clients are served, built the way the gateway builds it (the security directives
 * stripped, the federation machinery hidden): what a registered document must validate against.
 */
export async function apiSchemaOf(supergraphSdl: string): Promise<GraphQLSchema> {
  const { executableSdl } = readSupergraphPolicy(supergraphSdl);
  const gateway = new ApolloGateway({ supergraphSdl: executableSdl, logger: quiet });
  try {
    const { schema } = await gateway.load();
    return schema;
  } finally {
    await gateway.stop();
  }
}

/** What keeps a registered operation from being served as registered, one line each. */
export function documentProblems(schema: GraphQLSchema, operation: Pick<ManifestOperation, "name" | "type" | "body">) {
  let document: ReturnType<typeof parse>;
  try {
    document = parse(operation.body);
  } catch (error) {
    return [`does not parse: ${(error as Error).message}`];
  }
  const problems: string[] = [];
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const [only] = operations;
  if (operations.length !== 1 || !only) {
    problems.push(`must hold exactly one operation, holds ${operations.length}`);
  } else {
    if (only.name?.value !== operation.name) {
      problems.push(`is named ${only.name?.value ?? "nothing"} in its body, ${operation.name} in the manifest`);
    }
    if (only.operation !== operation.type) {
      problems.push(`is a ${only.operation} in its body, a ${operation.type} in the manifest`);
    }
  }
  for (const error of validate(schema, document)) {
    problems.push(`does not validate: ${error.message}`);
  }
  return problems;
}
