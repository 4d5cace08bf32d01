import type { DeclarationInput } from "./domain/declaration-rules.js";
import type { HouseholdFacts, Milieu, Occupation } from "./domain/household-facts.js";
import { computeIndex, type IndexModel, type IndexResult, selectModel } from "./domain/index-model.js";
import {
  type AdministrativeRecord,
  effectiveValues,
  type ItemVerification,
  verifyDeclaration,
} from "./domain/verification.js";

export interface Assessment {
  checks: ItemVerification[];
  facts: HouseholdFacts;
  model: IndexModel;
  result: IndexResult;
}

/**
 * From a declaration to an index: verify what can be verified, let the sources' values prevail,
 * and run the model in force on that day for the household's milieu.
 */
export function assessDeclaration(options: {
  household: { regionCode: string; milieu: Milieu };
  headIdcs: string;
  input: DeclarationInput;
  ages: ReadonlyMap<string, number>;
  records: readonly AdministrativeRecord[];
  models: readonly IndexModel[];
  on: Date;
}): Assessment {
  const { household, headIdcs, input } = options;
  const model = selectModel(options.models, household.milieu, options.on);
  if (!model) {
    throw new Error(`No index model in force for ${household.milieu} on ${options.on.toISOString()}`);
  }
  const declared = {
    headIdcs,
    electricitySpending: input.electricitySpending,
    waterSpending: input.waterSpending,
    hasCar: input.durableGoods.includes("CAR"),
    members: input.members.map((m) => ({ idcs: m.idcs, occupation: m.occupation })),
  };
  const checks = verifyDeclaration(declared, options.records);
  const effective = effectiveValues(declared, checks);
  const ordered = [...input.members].sort((a, b) => (a.idcs === headIdcs ? -1 : b.idcs === headIdcs ? 1 : 0));
  const goods = input.durableGoods.filter((good) => good !== "CAR");
  const facts: HouseholdFacts = {
    regionCode: household.regionCode,
    milieu: household.milieu,
    housingType: input.housingType,
    rooms: input.rooms,
    occupancy: input.occupancy,
    waterConnected: input.waterConnected,
    electricityConnected: input.electricityConnected,
    monthlySpending: {
      electricity: effective.electricitySpending,
      water: effective.waterSpending,
      telephone: input.telephoneSpending,
      gas: input.gasSpending,
    },
    durableGoods: effective.hasCar ? ["CAR", ...goods] : goods,
    livestockHeads: input.livestockHeads,
    landHectares: input.landHectares,
    members: ordered.map((m) => ({
      age: options.ages.get(m.idcs) ?? 30,
      // Attainment only: enrolment is for the programmes and never moves the index.
      attainment: m.attainment,
      occupation: (effective.occupations.get(m.idcs) ?? m.occupation) as Occupation,
    })),
  };
  return { checks, facts, model, result: computeIndex(facts, model) };
}
