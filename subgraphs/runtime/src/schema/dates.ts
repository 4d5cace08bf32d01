/** Whole years between a birth date (a Date at UTC midnight, or ISO `YYYY-MM-DD`) and a day. */
export function ageOn(birthDate: Date | string, day: Date): number {
  const birth = typeof birthDate === "string" ? new Date(`${birthDate}T00:00:00Z`) : birthDate;
  let age = day.getUTCFullYear() - birth.getUTCFullYear();
  const beforeBirthday =
    day.getUTCMonth() < birth.getUTCMonth() ||
    (day.getUTCMonth() === birth.getUTCMonth() && day.getUTCDate() < birth.getUTCDate());
  if (beforeBirthday) {
    age--;
  }
  return age;
}
