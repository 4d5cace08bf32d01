import { type AidRuleRow, aidRulesOn, SHIPPED_AID_RULES } from "../aid-rules.js";
import { assess, type RuleBook } from "../assessment.js";
import { addMonths, endOfDaysAfter, localDay, monthsBetween, startOfLocalDay } from "../calendar.js";
import { SHIPPED_SCHEDULES } from "../entitlement.js";
import {
  type AidHouseholdFacts,
  type AidPerson,
  anyoneCounts,
  childrenOf,
  payeeOf,
  schoolYearOf,
} from "../household-facts.js";

const book: RuleBook = { schedules: SHIPPED_SCHEDULES, rules: SHIPPED_AID_RULES };
const rules = aidRulesOn(SHIPPED_AID_RULES, "2026-11-01");
const MONTH = "2026-11";
const DAY = "2026-11-15";

let next = 1_000_000_000;
function person(birthDate: string, extra: Partial<AidPerson> = {}): AidPerson {
  return { idcs: String(next++), birthDate, sex: "FEMALE", lifeStatus: "ALIVE", dateOfDeath: null, ...extra };
}

function household(
  members: { relationship: string; person: AidPerson }[],
  enrolments: Record<string, { level: string; schoolYear: string | null } | null> = {},
): AidHouseholdFacts {
  return {
    id: "00000000-0000-4000-8000-000000000001",
    regionCode: "07",
    eligibility: [{ program: "DIRECT_AID", eligible: true, scoreUsed: "8.0000000" }],
    members,
    declaration: {
      members: members.map((m) => ({
        idcs: m.person.idcs,
        occupation: "NONE",
        enrolment: enrolments[m.person.idcs] ?? null,
      })),
    },
  };
}

const married = (spouse: AidPerson) => ({
  maritalStatus: "MARRIED",
  marriages: [{ spouse: { idcs: spouse.idcs }, since: "2005-06-01", endedOn: null }],
});

describe("fatherless children, from filiation", () => {
  it("a divorced mother whose children's father is alive gets the ordinary amounts; a widow the orphan amount", () => {
    const mother = person("1985-01-01", { maritalStatus: "DIVORCED", marriages: [] });
    const father = { idcs: "1999999999" };
    const divorced = household([
      { relationship: "HEAD", person: mother },
      { relationship: "CHILD", person: person("2016-03-01", { mother, father, fatherless: false }) },
    ]);
    const kid = divorced.members[1]?.person.idcs ?? "";
    const enrolled = { [kid]: { level: "PRIMARY", schoolYear: "2026-2027" } };
    expect(
      assess({ ...divorced, ...household(divorced.members, enrolled) }, MONTH, book, DAY)?.entitlement.components[0],
    ).toEqual({ reason: "Child 1, aged 6–20, in school", amount: 30_000 });
    const widow = household(
      [
        { relationship: "HEAD", person: { ...mother, maritalStatus: "WIDOWED" } },
        { relationship: "CHILD", person: { ...(divorced.members[1]?.person as AidPerson), fatherless: true } },
      ],
      enrolled,
    );
    expect(assess(widow, MONTH, book, DAY)?.entitlement.components[0]).toEqual({
      reason: "Child 1 without a father",
      amount: 35_000,
    });
  });
});

describe("who counts as the household's children", () => {
  it("counts orphaned grandchildren in the grandmother's kafala, not a grandchild in nobody's care", () => {
    const grandmother = person("1955-01-01", { maritalStatus: "WIDOWED", marriages: [] });
    const kafala = { kind: "KAFALA", guardian: { idcs: grandmother.idcs }, since: "2024-01-10", until: null };
    const ward = person("2015-05-01", { fatherless: true, inCareOf: [kafala] });
    const visiting = person("2014-05-01");
    const h = household(
      [
        { relationship: "HEAD", person: grandmother },
        { relationship: "GRANDCHILD", person: ward },
        { relationship: "GRANDCHILD", person: visiting },
      ],
      { [ward.idcs]: { level: "PRIMARY", schoolYear: "2026-2027" } },
    );
    expect(childrenOf(h, MONTH, rules).map((c) => c.idcs)).toEqual([ward.idcs]);
    const due = assess(h, MONTH, book, DAY);
    expect(due?.entitlement.components[0]).toEqual({ reason: "Child 1 without a father", amount: 35_000 });
    expect(due?.payee).toEqual({ idcs: grandmother.idcs, basis: "KAFALA" });
    // Before the kafala took effect the grandchild was not counted.
    expect(childrenOf(h, "2023-12", rules)).toEqual([]);
  });

  it("says in school from the declared enrolment of this school year, training included", () => {
    const mother = person("1980-01-01");
    const apprentice = person("2008-01-01");
    const trainee = person("2009-01-01");
    const stale = person("2010-01-01");
    const graduate = person("2011-01-01");
    const h = household(
      [
        { relationship: "HEAD", person: mother },
        { relationship: "CHILD", person: apprentice },
        { relationship: "CHILD", person: trainee },
        { relationship: "CHILD", person: stale },
        { relationship: "CHILD", person: graduate },
      ],
      {
        [apprentice.idcs]: { level: "APPRENTICESHIP", schoolYear: "2026-2027" },
        [trainee.idcs]: { level: "VOCATIONAL_TRAINING", schoolYear: "2026-2027" },
        [stale.idcs]: { level: "UPPER_SECONDARY", schoolYear: "2025-2026" },
        [graduate.idcs]: null,
      },
    );
    expect(childrenOf(h, MONTH, rules).map((c) => c.inSchool)).toEqual([true, true, false, false]);
    // August 2026 is still in the school year 2025-2026; September starts the next.
    expect(schoolYearOf("2026-08", 9)).toBe("2025-2026");
    expect(schoolYearOf("2026-09", 9)).toBe("2026-2027");
    expect(childrenOf(h, "2026-08", rules).map((c) => c.inSchool)).toEqual([false, false, true, false]);
  });

  it("counts a person who died up to the month of the death, not from the month after", () => {
    const mother = person("1980-01-01");
    const child = person("2020-01-01", { lifeStatus: "DECEASED", dateOfDeath: "2026-10-31" });
    const h = household([
      { relationship: "HEAD", person: mother },
      { relationship: "CHILD", person: child },
    ]);
    expect(childrenOf(h, "2026-10", rules)).toHaveLength(1);
    expect(childrenOf(h, "2026-11", rules)).toHaveLength(0);
    const alone = household([
      { relationship: "HEAD", person: { ...mother, lifeStatus: "DECEASED", dateOfDeath: "2026-11-01" } },
    ]);
    expect(anyoneCounts(alone, "2026-11", rules)).toBe(true);
    expect(anyoneCounts(alone, "2026-12", rules)).toBe(false);
  });
});

describe("who is paid", () => {
  const kidsOf = (h: AidHouseholdFacts) => childrenOf(h, MONTH, rules);

  it("pays the husband first, then the mother; the head for the flat allowance", () => {
    const wife = person("1985-01-01");
    const husband = person("1980-01-01", { sex: "MALE", ...married(wife) });
    Object.assign(wife, married(husband));
    const child = person("2018-01-01", { mother: { idcs: wife.idcs }, father: { idcs: husband.idcs } });
    // The wife registered the household: the husband is still paid first.
    const h = household([
      { relationship: "HEAD", person: wife },
      { relationship: "SPOUSE", person: husband },
      { relationship: "CHILD", person: child },
    ]);
    expect(payeeOf(h, kidsOf(h), rules, DAY)).toEqual({ idcs: husband.idcs, basis: "HUSBAND" });
    // The husband has died: the mother.
    const widowed = household([
      { relationship: "HEAD", person: wife },
      { relationship: "SPOUSE", person: { ...husband, lifeStatus: "DECEASED", dateOfDeath: "2026-09-01" } },
      { relationship: "CHILD", person: child },
    ]);
    expect(payeeOf(widowed, kidsOf(widowed), rules, DAY)).toEqual({ idcs: wife.idcs, basis: "MOTHER" });
    // No child counted: the flat allowance goes to who registered the household.
    const couple = household([
      { relationship: "HEAD", person: wife },
      { relationship: "SPOUSE", person: husband },
    ]);
    expect(payeeOf(couple, [], rules, DAY)).toEqual({ idcs: wife.idcs, basis: "HEAD" });
  });

  it("does not pay a divorced father living in the household as a husband", () => {
    const mother = person("1985-01-01");
    const father = person("1980-01-01", {
      sex: "MALE",
      maritalStatus: "DIVORCED",
      marriages: [{ spouse: { idcs: mother.idcs }, since: "2005-01-01", endedOn: "2020-01-01" }],
    });
    const child = person("2018-01-01", { mother: { idcs: mother.idcs }, father: { idcs: father.idcs } });
    const h = household([
      { relationship: "HEAD", person: father },
      { relationship: "OTHER_RELATIVE", person: mother },
      { relationship: "CHILD", person: child },
    ]);
    expect(payeeOf(h, kidsOf(h), rules, DAY)).toEqual({ idcs: mother.idcs, basis: "MOTHER" });
  });

  it("pays the custodian before the kafala holder, and the head when the order names nobody", () => {
    const aunt = person("1975-01-01");
    const uncle = person("1970-01-01", { sex: "MALE", maritalStatus: "SINGLE", marriages: [] });
    const since = "2025-01-01";
    const child = person("2017-01-01", {
      inCareOf: [
        { kind: "KAFALA", guardian: { idcs: uncle.idcs }, since, until: null },
        { kind: "CUSTODY", guardian: { idcs: aunt.idcs }, since, until: null },
      ],
    });
    const h = household([
      { relationship: "HEAD", person: uncle },
      { relationship: "OTHER_RELATIVE", person: aunt },
      { relationship: "OTHER_RELATIVE", person: child },
    ]);
    expect(payeeOf(h, kidsOf(h), rules, DAY)).toEqual({ idcs: aunt.idcs, basis: "CUSTODY" });
    // The custody ended before the day: the kafala holder.
    const ended = household([
      { relationship: "HEAD", person: uncle },
      { relationship: "OTHER_RELATIVE", person: aunt },
      {
        relationship: "OTHER_RELATIVE",
        person: {
          ...child,
          inCareOf: [
            { kind: "KAFALA", guardian: { idcs: uncle.idcs }, since, until: null },
            { kind: "CUSTODY", guardian: { idcs: aunt.idcs }, since, until: "2026-06-30" },
          ],
        },
      },
    ]);
    expect(payeeOf(ended, kidsOf(ended), rules, DAY)).toEqual({ idcs: uncle.idcs, basis: "KAFALA" });
    // A child of the head's with no civil facts: the head.
    const plain = household([
      { relationship: "HEAD", person: uncle },
      { relationship: "CHILD", person: person("2019-01-01") },
    ]);
    expect(payeeOf(plain, kidsOf(plain), rules, DAY)).toEqual({ idcs: uncle.idcs, basis: "HEAD" });
  });

  it("pays the mother of most of the children counted in a polygamous household whose husband died", () => {
    const first = person("1978-01-01");
    const second = person("1988-01-01");
    const kids = [
      person("2010-01-01", { mother: { idcs: first.idcs } }),
      person("2016-01-01", { mother: { idcs: second.idcs } }),
      person("2018-01-01", { mother: { idcs: second.idcs } }),
    ];
    const h = household([
      { relationship: "HEAD", person: first },
      { relationship: "OTHER_RELATIVE", person: second },
      ...kids.map((k) => ({ relationship: "CHILD", person: k })),
    ]);
    expect(payeeOf(h, kidsOf(h), rules, DAY)).toEqual({ idcs: second.idcs, basis: "MOTHER" });
  });

  it("passes the flat allowance to the eldest living adult when the head has died", () => {
    const head = person("1940-01-01", { lifeStatus: "DECEASED", dateOfDeath: "2026-10-02" });
    const son = person("1970-01-01", { sex: "MALE" });
    const h = household([
      { relationship: "HEAD", person: head },
      { relationship: "OTHER_RELATIVE", person: son },
    ]);
    expect(payeeOf(h, [], rules, DAY)).toEqual({ idcs: son.idcs, basis: "HEAD" });
  });
});

describe("aid rules by effective date", () => {
  it("takes the latest row on or before the day, a stored row over the shipped one", () => {
    const later: AidRuleRow = { name: "noticePeriodDays", effectiveFrom: "2027-01-01", value: 45, source: "test" };
    expect(aidRulesOn([later], "2026-12-31").noticePeriodDays).toBe(30);
    expect(aidRulesOn([later], "2027-01-01").noticePeriodDays).toBe(45);
    const edited: AidRuleRow = { name: "appealPeriodDays", effectiveFrom: "2023-12-02", value: 20, source: "edit" };
    expect(aidRulesOn([edited], "2026-01-01").appealPeriodDays).toBe(20);
  });
});

describe("calendar days in Africa/Casablanca", () => {
  const zone = "Africa/Casablanca";

  it("ends an appeal period at the end of the 15th day after a 09:00 decision", () => {
    // 1 Oct 2026 09:00 local (UTC+1) = 08:00Z.
    const decided = new Date("2026-10-01T08:00:00Z");
    const deadline = endOfDaysAfter(decided, 15, zone);
    expect(deadline.toISOString()).toBe("2026-10-16T22:59:59.999Z");
    const at1700OnThe15th = new Date("2026-10-16T16:00:00Z");
    const justAfterMidnight = new Date("2026-10-16T23:00:01Z");
    expect(at1700OnThe15th.getTime() <= deadline.getTime()).toBe(true);
    expect(justAfterMidnight.getTime() <= deadline.getTime()).toBe(false);
  });

  it("follows the zone's change of offset around Ramadan (UTC+0 in Feb–Mar 2026)", () => {
    expect(startOfLocalDay("2026-03-01", zone).toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(startOfLocalDay("2026-04-01", zone).toISOString()).toBe("2026-03-31T23:00:00.000Z");
    // 23:30Z on 31 Dec is already 1 Jan in Morocco.
    expect(localDay(new Date("2026-12-31T23:30:00Z"), zone)).toBe("2027-01-01");
  });

  it("adds months without rolling over and lists months inclusively", () => {
    expect(addMonths("2026-01", 1)).toBe("2026-02");
    expect(addMonths("2026-12", 1)).toBe("2027-01");
    expect(addMonths("2026-01-31", 1)).toBe("2026-02");
    expect(monthsBetween("2026-10", "2027-01")).toEqual(["2026-10", "2026-11", "2026-12", "2027-01"]);
    expect(monthsBetween("2026-10", "2026-09")).toEqual([]);
  });
});
