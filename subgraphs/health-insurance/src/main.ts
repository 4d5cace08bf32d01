import { runSubgraph } from "@spx/runtime/subgraph";
import { healthInsurance } from "./subgraph.js";

await runSubgraph(healthInsurance);
