/*
 * Checking declared living conditions against administrative sources. Each source is an adapter
 * behind one interface; the one shipped reads the reference dataset kept in this register's own
 * database (table reference_administrative_record) until real exchanges with the utilities, the
 * vehicle registry and the CNSS exist.
 */

export type VerificationStatus = "VERIFIED" | "MISMATCH" | "UNVERIFIED";

export type VerifiedItem = "ELECTRICITY_SPENDING" | "WATER_SPENDING" | "CAR" | "EMPLOYMENT";

/** One fact a source holds about a person (contract holder, vehicle owner, insured employee). */
export interface AdministrativeRecord {
  source: string;
  personIdcs: string;
  item: VerifiedItem;
  value: string;
}

export interface AdministrativeSource {
  readonly name: string;
  /** Every record this source holds about these persons, in one call. */
  lookup(personIdcs: readonly string[]): Promise<AdministrativeRecord[]>;
}

export interface ItemVerification {
  item: VerifiedItem;
  /** Whose record was checked (the contract holder, the member concerned). */
  personIdcs: string | null;
  declared: string;
  source: string | null;
  sourceValue: string | null;
  status: VerificationStatus;
}

export interface DeclaredForVerification {
  headIdcs: string;
  electricitySpending: number;
  waterSpending: number;
  hasCar: boolean;
  members: readonly { idcs: string; occupation: string }[];
}

/** Spending within this share of the utility's figure counts as the same. */
const SPENDING_TOLERANCE = 0.2;
const FORMAL_EMPLOYMENT = new Set(["PUBLIC_EMPLOYEE", "PRIVATE_EMPLOYEE"]);

function spendingStatus(declared: number, known: number): VerificationStatus {
  return Math.abs(declared - known) <= SPENDING_TOLERANCE * Math.max(known, 1) ? "VERIFIED" : "MISMATCH";
}

/** Compares each checkable item with the records found; an item without a record is UNVERIFIED. */
export function verifyDeclaration(
  declared: DeclaredForVerification,
  records: readonly AdministrativeRecord[],
): ItemVerification[] {
  const find = (item: VerifiedItem, idcs: string) => records.find((r) => r.item === item && r.personIdcs === idcs);
  const results: ItemVerification[] = [];
  for (const [item, amount] of [
    ["ELECTRICITY_SPENDING", declared.electricitySpending],
    ["WATER_SPENDING", declared.waterSpending],
  ] as const) {
    const record = find(item, declared.headIdcs);
    results.push({
      item,
      personIdcs: declared.headIdcs,
      declared: String(amount),
      source: record?.source ?? null,
      sourceValue: record?.value ?? null,
      status: record ? spendingStatus(amount, Number(record.value)) : "UNVERIFIED",
    });
  }
  const carRecords = records.filter((r) => r.item === "CAR" && r.value === "true");
  const anyRegistryAnswer = records.some((r) => r.item === "CAR");
  results.push({
    item: "CAR",
    personIdcs: carRecords[0]?.personIdcs ?? null,
    declared: String(declared.hasCar),
    source: anyRegistryAnswer ? (records.find((r) => r.item === "CAR")?.source ?? null) : null,
    sourceValue: anyRegistryAnswer ? String(carRecords.length > 0) : null,
    status: anyRegistryAnswer ? (carRecords.length > 0 === declared.hasCar ? "VERIFIED" : "MISMATCH") : "UNVERIFIED",
  });
  for (const member of declared.members) {
    const record = find("EMPLOYMENT", member.idcs);
    const declaredFormal = FORMAL_EMPLOYMENT.has(member.occupation);
    results.push({
      item: "EMPLOYMENT",
      personIdcs: member.idcs,
      declared: member.occupation,
      source: record?.source ?? null,
      sourceValue: record?.value ?? null,
      status: record
        ? declaredFormal === FORMAL_EMPLOYMENT.has(record.value)
          ? "VERIFIED"
          : "MISMATCH"
        : "UNVERIFIED",
    });
  }
  return results;
}

/**
 * The values the index is computed from: where a source holds a value it prevails over the
 * declaration (a mismatch is corrected, not ignored), elsewhere the declaration stands.
 */
export function effectiveValues(
  declared: DeclaredForVerification,
  checks: readonly ItemVerification[],
): { electricitySpending: number; waterSpending: number; hasCar: boolean; occupations: Map<string, string> } {
  const value = (item: VerifiedItem, idcs?: string) =>
    checks.find((c) => c.item === item && c.sourceValue !== null && (idcs === undefined || c.personIdcs === idcs))
      ?.sourceValue ?? null;
  const occupations = new Map(declared.members.map((m) => [m.idcs, value("EMPLOYMENT", m.idcs) ?? m.occupation]));
  const car = checks.find((c) => c.item === "CAR");
  return {
    electricitySpending: Number(value("ELECTRICITY_SPENDING") ?? declared.electricitySpending),
    waterSpending: Number(value("WATER_SPENDING") ?? declared.waterSpending),
    hasCar: car?.sourceValue !== null && car?.sourceValue !== undefined ? car.sourceValue === "true" : declared.hasCar,
    occupations,
  };
}
