/*
 * Periods the law counts in calendar days, in a time zone: "within 15 days" of a decision ends at
 * the end of the 15th day after the decision's day, in Morocco's legal time (Africa/Casablanca,
 * which moves between UTC+1 and UTC+0 around Ramadan), not 15 × 24 hours after the decision.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time of an instant in a zone, as if it were UTC (milliseconds dropped). */
function wallClock(instant: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
}

/** The calendar day (YYYY-MM-DD) of an instant in a zone. */
export function localDay(instant: Date, timeZone: string): string {
  return new Date(wallClock(instant, timeZone)).toISOString().slice(0, 10);
}

/** YYYY-MM-DD plus whole days. */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The instant a calendar day starts in a zone. */
export function startOfLocalDay(day: string, timeZone: string): Date {
  const midnight = new Date(`${day}T00:00:00Z`).getTime();
  // The zone's offset at that midnight, found from a first guess and corrected once (a change of
  // offset at midnight itself is then still right to the hour).
  let guess = midnight;
  for (let i = 0; i < 2; i++) {
    guess = midnight - (wallClock(new Date(guess), timeZone) - Math.floor(guess / 1000) * 1000);
  }
  return new Date(guess);
}

/**
 * The last instant (to the millisecond) of the `days`-th calendar day after the day of `from`:
 * a period of 15 days from a decision on the 1st at 09:00 ends on the 16th at 23:59:59.999.
 */
export function endOfDaysAfter(from: Date, days: number, timeZone: string): Date {
  return new Date(startOfLocalDay(addDays(localDay(from, timeZone), days + 1), timeZone).getTime() - 1);
}

/** YYYY-MM of a day or month plus whole months. */
export function addMonths(month: string, months: number): string {
  const [year = 1970, mon = 1] = month.slice(0, 7).split("-").map(Number);
  return new Date(Date.UTC(year, mon - 1 + months, 1)).toISOString().slice(0, 7);
}

/** The months from `first` to `last` inclusive (YYYY-MM), empty when `last` is before `first`. */
export function monthsBetween(first: string, last: string): string[] {
  const months: string[] = [];
  for (let month = first; month <= last; month = addMonths(month, 1)) {
    months.push(month);
  }
  return months;
}
