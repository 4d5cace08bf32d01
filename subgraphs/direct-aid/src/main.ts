import { runSubgraph } from "@spx/runtime/subgraph";
import { directAid } from "./subgraph.js";

await runSubgraph(directAid);
