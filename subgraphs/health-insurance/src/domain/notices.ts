import { addDays, isoDay } from "./amo-rules.js";

/*
 * Notice before an adverse decision (issue 19, item 6): when the social register says a household
 * is no longer eligible for AMO-Tadamon, its affiliation is not suspended at once. The household is
 * told, with the reason, the day it takes effect and how to contest, and the suspension applies on
 * that day only if no revision of the index is pending and the household has not become eligible
 * again. The period is a setting (NOTICE_PERIOD_DAYS, seeded with 30): domain.md A4 could not read
 * the Tadamon decree's keeping period (art. 3), so the figure is a choice, documented as such.
 */

export const DEFAULT_NOTICE_PERIOD_DAYS = 30;

/** The day a notice issued on `issuedOn` takes effect: `days` calendar days later. */
export function noticeEffectiveOn(issuedOn: Date, days: number): Date {
  return addDays(issuedOn, days);
}

/** What the social register says of the household when the notice falls due. */
export interface HouseholdNow {
  /** AMO-Tadamon eligible per its latest index (null: unknown household or no index). */
  eligible: boolean | null;
  pendingRevision: boolean;
}

export type NoticeOutcome = "WAIT" | "HOLD" | "CANCEL" | "APPLY";

/**
 * A pending notice on `today`: before its day, WAIT; eligible again, CANCEL (at any time); on or
 * after its day, HOLD while a revision is pending, otherwise APPLY.
 */
export function noticeOutcome(effectiveOn: Date, household: HouseholdNow, today: Date): NoticeOutcome {
  if (household.eligible === true) {
    return "CANCEL";
  }
  if (isoDay(effectiveOn) > isoDay(today)) {
    return "WAIT";
  }
  return household.pendingRevision ? "HOLD" : "APPLY";
}

/** How and until when to contest (shown to the household and to case workers). */
export function contestText(effectiveOn: Date): string {
  const last = isoDay(addDays(effectiveOn, -1));
  return (
    `Ask for a revision of the household's index (decree 2-21-582) at the Citizen Service Centre or on rsu.ma ` +
    `by ${last}: while a revision is pending the suspension is not applied, and it is cancelled if the ` +
    `household becomes eligible again.`
  );
}
