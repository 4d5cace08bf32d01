import { runSubgraph } from "@spx/runtime/subgraph";
import { population } from "./subgraph.js";

await runSubgraph(population);
