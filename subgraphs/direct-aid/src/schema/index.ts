import { subgraphSchemaOf } from "@spx/runtime/subgraph";
import { builder } from "./builder.js";
import "./aid.js";
import "./notices.js";
import "./payments.js";
import "./statistics.js";

/** The direct-aid subgraph schema (Federation 2). */
export const schema = subgraphSchemaOf(builder);
