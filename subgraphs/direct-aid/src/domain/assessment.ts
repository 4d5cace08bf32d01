import type { AidRuleRow } from "./aid-rules.js";
import { aidRulesOfMonth } from "./aid-rules.js";
import { type Entitlement, monthlyEntitlement, type ScheduleRules, scheduleFor } from "./entitlement.js";
import { type AidHouseholdFacts, childrenOf, type Payee, payeeOf } from "./household-facts.js";

/** A household's month: what is due, and to whom. */
export interface Assessment {
  month: string;
  entitlement: Entitlement;
  payee: Payee | null;
}

/** The rules a month is computed with: the year's amounts and the aid rules in force. */
export interface RuleBook {
  schedules: readonly ScheduleRules[];
  rules: readonly AidRuleRow[];
}

/**
 * What a household is due for `month`, from the registers' facts and the rules in force then,
 * and who is paid it (`day`, YYYY-MM-DD, is when the payee must be alive and in charge).
 * Undefined when no amounts are scheduled for the month.
 */
export function assess(
  household: AidHouseholdFacts,
  month: string,
  book: RuleBook,
  day: string,
): Assessment | undefined {
  const schedule = scheduleFor(book.schedules, month);
  if (!schedule) {
    return undefined;
  }
  const rules = aidRulesOfMonth(book.rules, month);
  const children = childrenOf(household, month, rules);
  const entitlement = monthlyEntitlement(children, schedule, rules);
  // The payee is chosen among the children actually counted (the flat allowance goes to the head).
  const counted = children.filter((c) => entitlement.counted.includes(c.idcs));
  return { month, entitlement, payee: payeeOf(household, counted, rules, day) };
}
