import { achamilActivityRefusal, achamilRightsFrom } from "../achamil.js";
import { addMonths, dayOf, isoDay, rulesFor, rulesOn, SHIPPED_AMO_RULES } from "../amo-rules.js";

describe("months added without rollover", () => {
  it.each([
    ["2026-11-30", "2027-02-28"],
    ["2027-11-30", "2028-02-29"],
    ["2026-05-31", "2026-08-31"],
    ["2026-05-30", "2026-08-30"],
    ["2026-10-31", "2027-01-31"],
    ["2026-12-31", "2027-03-31"],
    ["2026-11-29", "2027-02-28"],
    ["2026-02-28", "2026-05-28"],
  ])("%s + 3 months = %s", (from, to) => {
    expect(isoDay(addMonths(dayOf(from), 3))).toBe(to);
  });
});

describe("rules by effective date", () => {
  it("applies each version from its day, and the first one before any", () => {
    expect(rulesOn(SHIPPED_AMO_RULES, "2023-12-14")?.achamil).toBeNull();
    expect(rulesOn(SHIPPED_AMO_RULES, "2023-12-15")?.achamil?.waitingMonths).toBe(3);
    expect(rulesOn(SHIPPED_AMO_RULES, "2024-07-23")?.achamil?.waiverForFormerTadamon).toBe(false);
    expect(rulesOn(SHIPPED_AMO_RULES, "2024-07-24")?.achamil?.waiverForFormerTadamon).toBe(true);
    expect(rulesOn(SHIPPED_AMO_RULES, "2022-11-30")).toBeUndefined();
    expect(rulesFor(SHIPPED_AMO_RULES, "2022-11-30").childAgeLimit).toBe(21);
  });
});

describe("AMO Achamil", () => {
  const today = rulesFor(SHIPPED_AMO_RULES, "2026-12-02");

  it("is for persons with no activity only", () => {
    for (const occupation of ["UNEMPLOYED", "RETIRED", "HOMEMAKER", "STUDENT"]) {
      expect(achamilActivityRefusal(occupation, today)).toBeNull();
    }
    for (const occupation of ["PUBLIC_EMPLOYEE", "PRIVATE_EMPLOYEE", "SELF_EMPLOYED", "FARMER"]) {
      expect(achamilActivityRefusal(occupation, today)).toMatch(/no activity/);
    }
    expect(achamilActivityRefusal(null, today)).toMatch(/declaration/);
  });

  it("opens rights three months after the first payment, end of month without rollover", () => {
    expect(achamilRightsFrom(SHIPPED_AMO_RULES, dayOf("2026-11-30"), false)).toEqual({
      rightsFrom: dayOf("2027-02-28"),
      waived: false,
    });
    expect(achamilRightsFrom(SHIPPED_AMO_RULES, dayOf("2026-05-31"), false)).toEqual({
      rightsFrom: dayOf("2026-08-31"),
      waived: false,
    });
  });

  it("waives the wait for former AMO-Tadamon members from law 21.24's day, not before", () => {
    expect(achamilRightsFrom(SHIPPED_AMO_RULES, dayOf("2024-07-24"), true)).toEqual({
      rightsFrom: dayOf("2024-07-24"),
      waived: true,
    });
    expect(achamilRightsFrom(SHIPPED_AMO_RULES, dayOf("2024-07-23"), true)).toEqual({
      rightsFrom: dayOf("2024-10-23"),
      waived: false,
    });
  });

  it("refuses a payment made before the regime existed (decree 2.23.690, 15 Dec 2023)", () => {
    expect(achamilRightsFrom(SHIPPED_AMO_RULES, dayOf("2023-12-14"), false)).toHaveProperty("refused");
    expect(achamilRightsFrom(SHIPPED_AMO_RULES, dayOf("2023-12-15"), false)).toEqual({
      rightsFrom: dayOf("2024-03-15"),
      waived: false,
    });
  });
});
