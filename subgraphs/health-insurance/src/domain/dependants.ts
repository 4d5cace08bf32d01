/*
 * Who may be covered as a dependant of an insured person (law 65-00, as summarised by ANAM):
 * the spouse; children up to 21, up to 26 when unmarried and in higher education, and disabled
 * children without age limit.
 */

export type DependantKind = "SPOUSE" | "CHILD" | "STUDENT_CHILD" | "DISABLED_CHILD";

export interface DependantCandidate {
  relation: "SPOUSE" | "CHILD";
  age: number;
  unmarried: boolean;
  inHigherEducation: boolean;
  disabled: boolean;
}

export const CHILD_AGE_LIMIT = 21;
export const STUDENT_AGE_LIMIT = 26;

/** The ground on which the person is entitled, or null when they are not. */
export function dependantKind(candidate: DependantCandidate): DependantKind | null {
  if (candidate.relation === "SPOUSE") {
    return "SPOUSE";
  }
  if (candidate.disabled) {
    return "DISABLED_CHILD";
  }
  if (candidate.age < CHILD_AGE_LIMIT) {
    return "CHILD";
  }
  if (candidate.age < STUDENT_AGE_LIMIT && candidate.unmarried && candidate.inHigherEducation) {
    return "STUDENT_CHILD";
  }
  return null;
}
