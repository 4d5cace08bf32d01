import { dayOf, isoDay } from "../amo-rules.js";
import { contestText, noticeEffectiveOn, noticeOutcome } from "../notices.js";

describe("notice before suspension", () => {
  const issued = dayOf("2026-01-31");
  const effectiveOn = noticeEffectiveOn(issued, 30);

  it("takes effect after the notice period, in calendar days", () => {
    expect(isoDay(effectiveOn)).toBe("2026-03-02");
    expect(isoDay(noticeEffectiveOn(dayOf("2026-12-02"), 30))).toBe("2027-01-01");
  });

  it("waits until its day, then applies unless a revision is pending", () => {
    const ineligible = { eligible: false, pendingRevision: false };
    expect(noticeOutcome(effectiveOn, ineligible, dayOf("2026-03-01"))).toBe("WAIT");
    expect(noticeOutcome(effectiveOn, ineligible, dayOf("2026-03-02"))).toBe("APPLY");
    expect(noticeOutcome(effectiveOn, { eligible: false, pendingRevision: true }, dayOf("2026-03-02"))).toBe("HOLD");
  });

  it("is cancelled when the household is eligible again, before or after its day", () => {
    const eligible = { eligible: true, pendingRevision: false };
    expect(noticeOutcome(effectiveOn, eligible, dayOf("2026-02-10"))).toBe("CANCEL");
    expect(noticeOutcome(effectiveOn, eligible, dayOf("2026-03-05"))).toBe("CANCEL");
  });

  it("says how and until when to contest", () => {
    expect(contestText(effectiveOn)).toContain("by 2026-03-01");
  });
});
