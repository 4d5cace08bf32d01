export * from "./client-credentials.js";
export * from "./dev-clients.js";
export * from "./graph-client.js";
export * from "./graphql-client.js";
export * from "./service-graph-client.js";
