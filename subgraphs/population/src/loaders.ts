import { groupedLoader, keyedLoader } from "@spx/runtime/database";
import type DataLoader from "dataloader";
import type {
  CivilStatusRecord,
  Disability,
  Filiation,
  Guardianship,
  Marriage,
  Person,
} from "../generated/prisma/index.js";
import type { Reads } from "./subgraph.js";

export interface Loaders {
  /** Persons by IDCS; one `findMany … IN` per tick, however many references arrive. */
  person: DataLoader<string, Person | null>;
  /** Civil status: one statement per loader per tick, however many persons a page holds. */
  marriagesAsHusband: DataLoader<string, Marriage[]>;
  marriagesAsWife: DataLoader<string, Marriage[]>;
  /** A person's own filiation (their mother and father). */
  filiation: DataLoader<string, Filiation | null>;
  childrenOfMother: DataLoader<string, Filiation[]>;
  childrenOfFather: DataLoader<string, Filiation[]>;
  disability: DataLoader<string, Disability | null>;
  guardianshipsAsChild: DataLoader<string, Guardianship[]>;
  guardianshipsAsGuardian: DataLoader<string, Guardianship[]>;
  /** Every version of a person's civil status, oldest first. */
  civilHistory: DataLoader<string, CivilStatusRecord[]>;
}

export function createLoaders(reads: Reads): Loaders {
  return {
    person: keyedLoader(
      (idcs) => reads.person.find({ key: "idcs", keys: idcs }),
      (row) => row.idcs,
    ),
    marriagesAsHusband: groupedLoader(
      (idcs) => reads.marriage.find({ key: "husbandIdcs", keys: idcs, orderBy: [["since", "asc"]] }),
      (m) => m.husbandIdcs,
    ),
    marriagesAsWife: groupedLoader(
      (idcs) => reads.marriage.find({ key: "wifeIdcs", keys: idcs, orderBy: [["since", "asc"]] }),
      (m) => m.wifeIdcs,
    ),
    filiation: keyedLoader(
      (idcs) => reads.filiation.find({ key: "childIdcs", keys: idcs }),
      (f) => f.childIdcs,
    ),
    childrenOfMother: groupedLoader(
      (idcs) => reads.filiation.find({ key: "motherIdcs", keys: idcs }),
      (f) => f.motherIdcs ?? "",
    ),
    childrenOfFather: groupedLoader(
      (idcs) => reads.filiation.find({ key: "fatherIdcs", keys: idcs }),
      (f) => f.fatherIdcs ?? "",
    ),
    disability: keyedLoader(
      (idcs) => reads.disability.find({ key: "idcs", keys: idcs }),
      (d) => d.idcs,
    ),
    guardianshipsAsChild: groupedLoader(
      (idcs) => reads.guardianship.find({ key: "childIdcs", keys: idcs, orderBy: [["since", "asc"]] }),
      (g) => g.childIdcs,
    ),
    guardianshipsAsGuardian: groupedLoader(
      (idcs) => reads.guardianship.find({ key: "guardianIdcs", keys: idcs, orderBy: [["since", "asc"]] }),
      (g) => g.guardianIdcs,
    ),
    civilHistory: groupedLoader(
      (idcs) => reads.civilStatusRecord.find({ key: "subjectIdcs", keys: idcs, orderBy: [["id", "asc"]] }),
      (r) => r.subjectIdcs,
    ),
  };
}
