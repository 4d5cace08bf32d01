import type { FieldProblem } from "@spx/runtime/errors";
import {
  DURABLE_GOODS,
  type DurableGood,
  type HousingType,
  type Occupancy,
  type Occupation,
  type Schooling,
} from "./household-facts.js";

export interface MemberDetailInput {
  idcs: string;
  schooling: Schooling;
  occupation: Occupation;
}

/** Living conditions as a household declares them; amounts in centimes per month. */
export interface DeclarationInput {
  housingType: HousingType;
  rooms: number;
  occupancy: Occupancy;
  waterConnected: boolean;
  electricityConnected: boolean;
  electricitySpending: number;
  waterSpending: number;
  telephoneSpending: number;
  gasSpending: number;
  durableGoods: readonly DurableGood[];
  livestockHeads: number;
  landHectares: number;
  members: readonly MemberDetailInput[];
}

// Monthly amounts above these are not household spending but typing errors (MAD × 100).
const SPENDING_CAPS = {
  electricitySpending: 1_000_000,
  waterSpending: 500_000,
  telephoneSpending: 500_000,
  gasSpending: 200_000,
} as const;

/**
 * Rules for a declaration: plausible numbers, one detail line for each current member and no one
 * else, no good listed twice.
 */
export function checkDeclaration(input: DeclarationInput, memberIdcs: readonly string[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!Number.isInteger(input.rooms) || input.rooms < 1 || input.rooms > 50) {
    problems.push({ field: "rooms", message: "must be a whole number from 1 to 50" });
  }
  for (const [field, cap] of Object.entries(SPENDING_CAPS) as [keyof typeof SPENDING_CAPS, number][]) {
    const amount = input[field];
    if (!Number.isInteger(amount) || amount < 0) {
      problems.push({ field, message: "must be a non-negative amount" });
    } else if (amount > cap) {
      problems.push({ field, message: `is implausibly high (more than ${cap / 100} MAD a month)` });
    }
  }
  if (input.electricitySpending > 0 && !input.electricityConnected) {
    problems.push({ field: "electricitySpending", message: "declared for a dwelling without electricity" });
  }
  if (!Number.isInteger(input.livestockHeads) || input.livestockHeads < 0 || input.livestockHeads > 5_000) {
    problems.push({ field: "livestockHeads", message: "must be a whole number from 0 to 5000" });
  }
  if (!Number.isFinite(input.landHectares) || input.landHectares < 0 || input.landHectares > 10_000) {
    problems.push({ field: "landHectares", message: "must be between 0 and 10000 hectares" });
  }
  if (
    new Set(input.durableGoods).size !== input.durableGoods.length ||
    input.durableGoods.some((g) => !DURABLE_GOODS.includes(g))
  ) {
    problems.push({ field: "durableGoods", message: "lists a good twice or an unknown good" });
  }
  const declared = input.members.map((m) => m.idcs);
  const expected = new Set(memberIdcs);
  if (declared.length !== expected.size || declared.some((idcs) => !expected.has(idcs))) {
    problems.push({ field: "members", message: "must give schooling and occupation for each current member, once" });
  }
  return problems;
}
