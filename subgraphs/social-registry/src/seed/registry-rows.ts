import type { Prisma } from "../../generated/prisma/index.js";
import type { Assessment } from "../assessment.js";
import { declarationRecord, indexRecord } from "../declaration-records.js";
import { type DemoHousehold, demoRowId } from "./demo-households.js";

/** What the register holds for one generated household, shaped as Prisma create inputs. */
export interface RegistryRows {
  household: Prisma.HouseholdCreateManyInput;
  memberships: Prisma.MembershipCreateManyInput[];
  declaration: Prisma.DeclarationCreateManyInput;
  index: Prisma.IndexComputationCreateManyInput;
  records: Prisma.ReferenceAdministrativeRecordCreateManyInput[];
}

// Row id kinds (the household itself is kind 0): see demoRowId.
const MEMBERSHIP = 1;
const DECLARATION = 2;
const INDEX = 3;

/**
 * The rows of one generated household: the household, its members, a first declaration with its
 * verification, the index computed from it, and the reference administrative records it was
 * checked against. Used by the demo seed and by the national generator alike; ids derive from
 * the household's number, so the same seed gives the same rows.
 */
export function registryRows(demo: DemoHousehold, assessment: Assessment, asOf: Date): RegistryRows {
  const n = demo.family.number;
  return {
    household: {
      id: demo.id,
      regionCode: demo.regionCode,
      province: demo.province,
      commune: demo.commune,
      milieu: demo.milieu,
    },
    memberships: demo.members.map((m, i) => ({
      id: demoRowId(MEMBERSHIP, n, i),
      householdId: demo.id,
      personIdcs: m.idcs,
      relationship: m.relationship,
    })),
    declaration: declarationRecord(
      { id: demoRowId(DECLARATION, n), householdId: demo.id, version: 1, declaredBy: "demo-seed" },
      demo.declaration,
      assessment,
    ),
    index: indexRecord({ id: demoRowId(INDEX, n), householdId: demo.id, declarationVersion: 1 }, assessment),
    records: demo.records.map((record) => ({ ...record, asOf })),
  };
}
