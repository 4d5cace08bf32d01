export type Regime = "AMO_TADAMON" | "AMO_SALARIED" | "AMO_TNS" | "AMO_ACHAMIL";
export type Payer = "STATE" | "EMPLOYER" | "SELF";
export type AffiliationStatus = "PENDING" | "ACTIVE" | "SUSPENDED" | "CLOSED";

/** Who pays the contributions of each regime. */
export const PAYER: Record<Regime, Payer> = {
  AMO_TADAMON: "STATE",
  AMO_SALARIED: "EMPLOYER",
  AMO_TNS: "SELF",
  AMO_ACHAMIL: "SELF",
};

/** The day rights open for a regime without waiting period: the day of affiliation. AMO Achamil's
 * rights wait for the first contribution (see achamil.ts). */
export function rightsFrom(openedOn: Date): Date {
  return new Date(Date.UTC(openedOn.getUTCFullYear(), openedOn.getUTCMonth(), openedOn.getUTCDate()));
}

/** A pending affiliation whose rights have opened is active; the stored status says the rest. */
export function effectiveStatus(
  status: AffiliationStatus,
  rightsOpen: Date | null,
  on: Date = new Date(),
): AffiliationStatus {
  return status === "PENDING" && rightsOpen !== null && rightsOpen.getTime() <= on.getTime() ? "ACTIVE" : status;
}

const TRANSITIONS: Record<AffiliationStatus, AffiliationStatus[]> = {
  PENDING: ["ACTIVE", "SUSPENDED", "CLOSED"],
  ACTIVE: ["SUSPENDED", "CLOSED"],
  SUSPENDED: ["ACTIVE", "CLOSED"],
  CLOSED: [],
};

export function canMove(from: AffiliationStatus, to: AffiliationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}
