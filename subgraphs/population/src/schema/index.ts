import { subgraphSchemaOf } from "@spx/runtime/subgraph";
import { builder } from "./builder.js";
import "./person.js";
import "./civil-status.js";
import "./civil-mutations.js";
import "./registration.js";
import "./statistics.js";
import "./events.js";
import "./verification.js";

/** The population register's subgraph schema (Federation 2). */
export const schema = subgraphSchemaOf(builder);
