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

/** Law 60.22 art. 7: AMO Achamil rights open three months after the first payment… */
export const ACHAMIL_WAITING_MONTHS = 3;

/**
 * The day rights open. …except for people who come from AMO-Tadamon (law 21.24 waives the wait).
 */
export function rightsFrom(
  regime: Regime,
  openedOn: Date,
  options: { firstPayment?: Date; fromTadamon?: boolean } = {},
): Date {
  const day = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  if (regime !== "AMO_ACHAMIL" || options.fromTadamon) {
    return day(openedOn);
  }
  const paid = day(options.firstPayment ?? openedOn);
  return new Date(Date.UTC(paid.getUTCFullYear(), paid.getUTCMonth() + ACHAMIL_WAITING_MONTHS, paid.getUTCDate()));
}

/** A pending affiliation whose rights have opened is active; the stored status says the rest. */
export function effectiveStatus(status: AffiliationStatus, rightsOpen: Date, on: Date = new Date()): AffiliationStatus {
  return status === "PENDING" && rightsOpen.getTime() <= on.getTime() ? "ACTIVE" : status;
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
