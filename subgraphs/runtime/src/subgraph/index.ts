export * from "./subgraph-app.js";
