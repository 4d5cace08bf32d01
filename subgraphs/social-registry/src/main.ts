import { runSubgraph } from "@spx/runtime/subgraph";
import { socialRegistry } from "./subgraph.js";

await runSubgraph(socialRegistry);
