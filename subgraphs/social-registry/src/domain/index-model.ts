import { z } from "zod";
import { DURABLE_GOODS, type HouseholdFacts, type Milieu } from "./household-facts.js";

/*
 * A proxy-means test: the index predicts the log of annual consumption per person as
 * constant + region effect + Σ coefficient × variable. The model is data (coefficient sets with
 * effective dates, see models/*.json); this module only knows how to measure the variables and add.
 * Spending enters as log(1 + MAD per person per year), so that a few very high bills do not
 * dominate, as consumption models usually do.
 */

const VARIABLES = [
  "household_size",
  "household_size_squared",
  "rooms_per_person",
  "log_electricity_per_person",
  "log_water_per_person",
  "log_telephone_per_person",
  "log_gas_per_person",
  ...DURABLE_GOODS.map((good) => `owns_${good.toLowerCase()}` as const),
  "housing_modern_apartment",
  "housing_traditional_house",
  "housing_rural_dwelling",
  "housing_shanty",
  "housing_other",
  "occupancy_tenant",
  "occupancy_free_lodging",
  "water_connected",
  "electricity_connected",
  "share_children_under_15",
  "share_aged_65_plus",
  "head_schooling_primary",
  "head_schooling_secondary",
  "head_schooling_higher",
  "head_public_employee",
  "head_private_employee",
  "head_self_employed",
  "head_unemployed",
  "share_adults_formally_employed",
  "livestock_per_person",
  "land_hectares_per_person",
] as const;

export type VariableName = (typeof VARIABLES)[number];

export interface ModelTerm {
  variable: VariableName;
  coefficient: number;
  label: string;
}

export interface IndexModel {
  version: string;
  milieu: Milieu;
  effectiveFrom: string;
  illustrative: boolean;
  constant: number;
  regionEffects: Record<string, number>;
  terms: readonly ModelTerm[];
}

export interface Contribution {
  variable: string;
  label: string;
  value: number;
  contribution: number;
}

export interface IndexResult {
  score: string;
  value: number;
  contributions: Contribution[];
}

const perYearLog = (centimesPerMonth: number, size: number) => Math.log1p(((centimesPerMonth / 100) * 12) / size);

export function modelVariables(facts: HouseholdFacts): Record<VariableName, number> {
  const n = Math.max(1, facts.members.length);
  const head = facts.members[0];
  const adults = facts.members.filter((m) => m.age >= 15 && m.age < 65);
  const formal = adults.filter((m) => m.occupation === "PUBLIC_EMPLOYEE" || m.occupation === "PRIVATE_EMPLOYEE");
  const flag = (condition: boolean) => (condition ? 1 : 0);
  const goods = Object.fromEntries(
    DURABLE_GOODS.map((good) => [`owns_${good.toLowerCase()}`, flag(facts.durableGoods.includes(good))]),
  ) as Record<`owns_${Lowercase<(typeof DURABLE_GOODS)[number]>}`, number>;
  return {
    household_size: n,
    household_size_squared: n * n,
    rooms_per_person: facts.rooms / n,
    log_electricity_per_person: perYearLog(facts.monthlySpending.electricity, n),
    log_water_per_person: perYearLog(facts.monthlySpending.water, n),
    log_telephone_per_person: perYearLog(facts.monthlySpending.telephone, n),
    log_gas_per_person: perYearLog(facts.monthlySpending.gas, n),
    ...goods,
    housing_modern_apartment: flag(facts.housingType === "MODERN_APARTMENT"),
    housing_traditional_house: flag(facts.housingType === "TRADITIONAL_HOUSE"),
    housing_rural_dwelling: flag(facts.housingType === "RURAL_DWELLING"),
    housing_shanty: flag(facts.housingType === "SHANTY"),
    housing_other: flag(facts.housingType === "OTHER"),
    occupancy_tenant: flag(facts.occupancy === "TENANT"),
    occupancy_free_lodging: flag(facts.occupancy === "FREE_LODGING"),
    water_connected: flag(facts.waterConnected),
    electricity_connected: flag(facts.electricityConnected),
    share_children_under_15: facts.members.filter((m) => m.age < 15).length / n,
    share_aged_65_plus: facts.members.filter((m) => m.age >= 65).length / n,
    head_schooling_primary: flag(head?.attainment === "PRIMARY"),
    head_schooling_secondary: flag(head?.attainment === "SECONDARY"),
    head_schooling_higher: flag(head?.attainment === "HIGHER"),
    head_public_employee: flag(head?.occupation === "PUBLIC_EMPLOYEE"),
    head_private_employee: flag(head?.occupation === "PRIVATE_EMPLOYEE"),
    head_self_employed: flag(head?.occupation === "SELF_EMPLOYED"),
    head_unemployed: flag(head?.occupation === "UNEMPLOYED"),
    share_adults_formally_employed: adults.length > 0 ? formal.length / adults.length : 0,
    livestock_per_person: facts.livestockHeads / n,
    land_hectares_per_person: facts.landHectares / n,
  };
}

/** Seven decimals, as the register publishes scores; fixed-point from here on. */
function toScore(value: number): string {
  return (Math.round(value * 1e7) / 1e7).toFixed(7);
}

export function computeIndex(facts: HouseholdFacts, model: IndexModel): IndexResult {
  const variables = modelVariables(facts);
  const region = model.regionEffects[facts.regionCode] ?? 0;
  const contributions: Contribution[] = [
    { variable: "constant", label: "base level of the model", value: 1, contribution: model.constant },
    { variable: "region", label: `region ${facts.regionCode}`, value: 1, contribution: region },
    ...model.terms.map((term) => {
      const value = variables[term.variable] ?? 0;
      return { variable: term.variable, label: term.label, value, contribution: term.coefficient * value };
    }),
  ];
  const value = contributions.reduce((sum, c) => sum + c.contribution, 0);
  return { score: toScore(value), value, contributions };
}

const modelSchema = z.object({
  version: z.string().min(1),
  milieu: z.enum(["URBAN", "RURAL"]),
  effectiveFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  illustrative: z.boolean(),
  constant: z.number(),
  regionEffects: z.record(z.string().regex(/^(0[1-9]|1[0-2])$/), z.number()),
  terms: z.array(z.object({ variable: z.enum(VARIABLES), coefficient: z.number(), label: z.string().min(1) })).min(1),
});

export function parseIndexModel(json: unknown): IndexModel {
  const parsed = modelSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid index model: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "unknown"}`);
  }
  return parsed.data;
}

/** The model in force on a day for a milieu: the latest effective on or before that day. */
export function selectModel(models: readonly IndexModel[], milieu: Milieu, on: Date): IndexModel | undefined {
  const day = on.toISOString().slice(0, 10);
  return models
    .filter((m) => m.milieu === milieu && m.effectiveFrom <= day)
    .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : a.effectiveFrom > b.effectiveFrom ? 1 : 0))
    .at(-1);
}
