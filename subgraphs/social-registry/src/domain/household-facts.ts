/** What the index model knows about a household: verified where a source could, declared otherwise. */

export type Milieu = "URBAN" | "RURAL";
export type HousingType = "MODERN_APARTMENT" | "HOUSE" | "TRADITIONAL_HOUSE" | "RURAL_DWELLING" | "SHANTY" | "OTHER";
export type Occupancy = "OWNER" | "TENANT" | "FREE_LODGING" | "OTHER";
export type Schooling = "NONE" | "PRESCHOOL" | "PRIMARY" | "SECONDARY" | "HIGHER";
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
  schooling: Schooling;
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
