import { createSubgraphBuilder } from "@spx/runtime/subgraph";
import type { Context } from "../context.js";
import type PrismaTypes from "../generated/pothos-types.js";
import { getDatamodel } from "../generated/pothos-types.js";

export const builder = createSubgraphBuilder<Context, PrismaTypes>(getDatamodel(), ["MadAmount", "Decimal7"]);
