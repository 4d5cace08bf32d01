import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import {
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";

/**
 * Apollo Server reports usage and schemas to Apollo's cloud as soon as the environment holds an
 * APOLLO_KEY (and a graph ref, or APOLLO_SCHEMA_REPORTING=true). Nothing in this system may call
 * out, whatever the environment says: installing the disabled plugins makes those settings inert.
 */
export function noApolloReporting<Context extends BaseContext>(): ApolloServerPlugin<Context>[] {
  return [
    ApolloServerPluginUsageReportingDisabled() as ApolloServerPlugin<Context>,
    ApolloServerPluginSchemaReportingDisabled() as ApolloServerPlugin<Context>,
  ];
}
