/*
 * Programme thresholds on the index, as data with effective dates. Sources (shared/notes/domain.md
 * A3): AMO-Tadamon 9.3264284 (decree published in the BO of 30 Nov 2022); direct social aid
 * 9.743001 (figure given by the budget minister, reported by TelQuel, July 2024); AMO Achamil is for
 * households ABOVE the Tadamon threshold (CNSS communiqué).
 *
 * AMO Achamil's rule is in force from 15 Dec 2023, the date of decree 2.23.690, which applies law
 * 60.22 (Dahir 1.23.41 of 25 May 2023): the law alone names the regime but leaves its conditions
 * (the RSU score, the contributions by score) to that decree, so no household could be eligible
 * before it. Registrations opened at the CNSS on 3 Jan 2024 (CNSS communiqué): an administrative
 * opening, not the rule's date. A choice where the sources are silent; change it as data (a
 * program_threshold row), not here.
 */

export type Program = "AMO_TADAMON" | "DIRECT_AID" | "AMO_ACHAMIL";

export interface ThresholdRule {
  program: Program;
  threshold: string;
  effectiveFrom: string;
  comparison: "AT_OR_BELOW" | "ABOVE";
}

/** Decree 2.23.690 of 15 Dec 2023 (law 60.22): see above. */
export const ACHAMIL_EFFECTIVE_FROM = "2023-12-15";

export const SHIPPED_THRESHOLDS: readonly ThresholdRule[] = [
  { program: "AMO_TADAMON", threshold: "9.3264284", effectiveFrom: "2022-11-30", comparison: "AT_OR_BELOW" },
  { program: "DIRECT_AID", threshold: "9.7430010", effectiveFrom: "2023-12-01", comparison: "AT_OR_BELOW" },
  { program: "AMO_ACHAMIL", threshold: "9.3264284", effectiveFrom: ACHAMIL_EFFECTIVE_FROM, comparison: "ABOVE" },
];

/** The rule in force on a day: the latest effective on or before it. */
export function thresholdOn(rules: readonly ThresholdRule[], program: Program, on: Date): ThresholdRule | undefined {
  const day = on.toISOString().slice(0, 10);
  return rules
    .filter((rule) => rule.program === program && rule.effectiveFrom <= day)
    .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : a.effectiveFrom > b.effectiveFrom ? 1 : 0))
    .at(-1);
}

/** A 7-decimal string as an exact integer count of 10⁻⁷: no float ever decides eligibility. */
export function toFixed7(value: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,7}))?$/.exec(value.trim());
  if (!match) {
    throw new RangeError(`Not a decimal with at most 7 decimals: ${value}`);
  }
  const magnitude = BigInt(match[2] ?? "0") * 10_000_000n + BigInt((match[3] ?? "").padEnd(7, "0"));
  return match[1] === "-" ? -magnitude : magnitude;
}

export function fromFixed7(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  return `${negative ? "-" : ""}${abs / 10_000_000n}.${String(abs % 10_000_000n).padStart(7, "0")}`;
}

export function isEligible(score: string, rule: ThresholdRule): boolean {
  const s = toFixed7(score);
  const t = toFixed7(rule.threshold);
  return rule.comparison === "AT_OR_BELOW" ? s <= t : s > t;
}
