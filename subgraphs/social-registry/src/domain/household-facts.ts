/** What the index model knows about a household: verified where a source could, declared otherwise. */

export type Milieu = "URBAN" | "RURAL";
export type HousingType = "MODERN_APARTMENT" | "HOUSE" | "TRADITIONAL_HOUSE" | "RURAL_DWELLING" | "SHANTY" | "OTHER";
export type Occupancy = "OWNER" | "TENANT" | "FREE_LODGING" | "OTHER";
/** The highest level of schooling COMPLETED (attainment): what the index reads. */
export type Schooling = "NONE" | "PRESCHOOL" | "PRIMARY" | "SECONDARY" | "HIGHER";

/*
 * Current enrolment in school or training: what the programmes read (direct aid's "in school",
 * AMO's children up to 26 in higher education). Never an input of the index: the index model
 * measures the household's level of living through attainment, and a household's score must not
 * move because a child started or left school.
 */
export const ENROLMENT_LEVELS = [
  "PRESCHOOL",
  "PRIMARY",
  "LOWER_SECONDARY",
  "UPPER_SECONDARY",
  "HIGHER",
  "VOCATIONAL_TRAINING",
  "APPRENTICESHIP",
] as const;
export type EnrolmentLevel = (typeof ENROLMENT_LEVELS)[number];
export const INSTITUTION_TYPES = ["PUBLIC", "PRIVATE", "TRAINING_CENTRE"] as const;
export type InstitutionType = (typeof INSTITUTION_TYPES)[number];

export interface Enrolment {
  level: EnrolmentLevel;
  institutionType: InstitutionType;
  /** "2026-2027": the school year runs from September to the following summer. */
  schoolYear: string;
}
export type Occupation =
  | "PUBLIC_EMPLOYEE"
  | "PRIVATE_EMPLOYEE"
  | "SELF_EMPLOYED"
  | "FARMER"
  | "UNEMPLOYED"
  | "STUDENT"
  | "RETIRED"
  | "HOMEMAKER"
  | "CHILD"
  | "OTHER";

export const DURABLE_GOODS = [
  "CAR",
  "MOTORCYCLE",
  "REFRIGERATOR",
  "TELEVISION",
  "COMPUTER",
  "AIR_CONDITIONING",
  "WASHING_MACHINE",
  "SATELLITE_DISH",
] as const;
export type DurableGood = (typeof DURABLE_GOODS)[number];

export interface MemberFacts {
  age: number;
  /** Highest level completed; enrolment is deliberately absent (see above). */
  attainment: Schooling;
  occupation: Occupation;
}

export interface HouseholdFacts {
  regionCode: string;
  milieu: Milieu;
  housingType: HousingType;
  rooms: number;
  occupancy: Occupancy;
  waterConnected: boolean;
  electricityConnected: boolean;
  /** Centimes per month. */
  monthlySpending: { electricity: number; water: number; telephone: number; gas: number };
  durableGoods: readonly DurableGood[];
  livestockHeads: number;
  landHectares: number;
  /** At least one; the first is the head. */
  members: readonly MemberFacts[];
}
