import type { Prisma } from "../../generated/prisma/index.js";
import type { Assessment } from "../assessment.js";
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
  const d = demo.declaration;
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
    declaration: {
      id: demoRowId(DECLARATION, n),
      householdId: demo.id,
      version: 1,
      declaredBy: "demo-seed",
      housingType: d.housingType,
      rooms: d.rooms,
      occupancy: d.occupancy,
      waterConnected: d.waterConnected,
      electricityConnected: d.electricityConnected,
      electricitySpending: d.electricitySpending,
      waterSpending: d.waterSpending,
      telephoneSpending: d.telephoneSpending,
      gasSpending: d.gasSpending,
      durableGoods: [...d.durableGoods],
      livestockHeads: d.livestockHeads,
      landHectares: d.landHectares.toFixed(2),
      memberDetails: d.members.map((m) => ({ ...m })),
      verification: assessment.checks.map((c) => ({ ...c })),
    },
    index: {
      id: demoRowId(INDEX, n),
      householdId: demo.id,
      declarationVersion: 1,
      modelVersion: assessment.model.version,
      score: assessment.result.score,
      inputs: { ...assessment.facts, members: assessment.facts.members.map((m) => ({ ...m })) },
      contributions: assessment.result.contributions.map((c) => ({ ...c })),
    },
    records: demo.records.map((record) => ({ ...record, asOf })),
  };
}
