import { keyedLoader } from "@spx/runtime/database";
import type DataLoader from "dataloader";
import type { Person } from "../generated/prisma/index.js";
import type { Reads } from "./subgraph.js";

export interface Loaders {
  /** Persons by IDCS; one `findMany … IN` per tick, however many references arrive. */
  person: DataLoader<string, Person | null>;
}

export function createLoaders(reads: Reads): Loaders {
  return {
    person: keyedLoader(
      (idcs) => reads.person.find({ key: "idcs", keys: idcs }),
      (row) => row.idcs,
    ),
  };
}
