import { subgraphSchemaOf } from "@spx/runtime/subgraph";
import { builder } from "./builder.js";
import "./household.js";
import "./membership.js";
import "./declaration.js";
import "./socio-economic-index.js";
import "./attestation.js";
import "./revision.js";
import "./statistics.js";
import "./events.js";

/** The social register's subgraph schema (Federation 2). */
export const schema = subgraphSchemaOf(builder);
