import type { Prisma } from "../generated/prisma/index.js";
import type { Assessment } from "./assessment.js";
import type { DeclarationInput } from "./domain/declaration-rules.js";

/**
 * The rows a declaration leaves in the register, from the declaration and its assessment: written
 * by `declareLivingConditions` and by the data generators alike, so that generated data has the
 * very shape the register writes.
 */
export function declarationRecord(
  d: { id: string; householdId: string; version: number; declaredBy: string },
  input: DeclarationInput,
  assessment: Assessment,
): Prisma.DeclarationCreateManyInput {
  return {
    ...d,
    housingType: input.housingType,
    rooms: input.rooms,
    occupancy: input.occupancy,
    waterConnected: input.waterConnected,
    electricityConnected: input.electricityConnected,
    electricitySpending: input.electricitySpending,
    waterSpending: input.waterSpending,
    telephoneSpending: input.telephoneSpending,
    gasSpending: input.gasSpending,
    durableGoods: [...input.durableGoods],
    livestockHeads: input.livestockHeads,
    landHectares: input.landHectares.toFixed(2),
    memberDetails: input.members.map((m) => ({
      idcs: m.idcs,
      attainment: m.attainment,
      occupation: m.occupation,
      enrolment: m.enrolment ? { ...m.enrolment } : null,
    })),
    verification: assessment.checks.map((c) => ({ ...c })),
  };
}

/** The index computed from a declaration (the caller marks earlier ones no longer current). */
export function indexRecord(
  d: { id: string; householdId: string; declarationVersion: number },
  assessment: Assessment,
): Prisma.IndexComputationCreateManyInput {
  return {
    ...d,
    modelVersion: assessment.model.version,
    score: assessment.result.score,
    inputs: { ...assessment.facts, members: assessment.facts.members.map((m) => ({ ...m })) },
    contributions: assessment.result.contributions.map((c) => ({ ...c })),
  };
}
