import { dependantKind } from "../dependants.js";
import { canMove, effectiveStatus, PAYER, rightsFrom } from "../regimes.js";

const child = { relation: "CHILD" as const, unmarried: true, inHigherEducation: false, disabled: false };

describe("dependants (law 65-00)", () => {
  it.each([
    [{ ...child, age: 20 }, "CHILD"],
    [{ ...child, age: 21 }, null],
    [{ ...child, age: 25, inHigherEducation: true }, "STUDENT_CHILD"],
    [{ ...child, age: 25, inHigherEducation: true, unmarried: false }, null],
    [{ ...child, age: 26, inHigherEducation: true }, null],
    [{ ...child, age: 40, disabled: true }, "DISABLED_CHILD"],
    [{ ...child, relation: "SPOUSE" as const, age: 40 }, "SPOUSE"],
  ])("%j → %s", (candidate, kind) => {
    expect(dependantKind(candidate)).toBe(kind);
  });
});

describe("regimes", () => {
  const opened = new Date(Date.UTC(2026, 0, 15));

  it("names who pays", () => {
    expect(PAYER).toEqual({ AMO_TADAMON: "STATE", AMO_SALARIED: "EMPLOYER", AMO_TNS: "SELF", AMO_ACHAMIL: "SELF" });
  });

  it("opens AMO Achamil rights three months after the first payment, unless coming from Tadamon", () => {
    expect(rightsFrom("AMO_ACHAMIL", opened, { firstPayment: new Date(Date.UTC(2026, 1, 1)) })).toEqual(
      new Date(Date.UTC(2026, 4, 1)),
    );
    expect(rightsFrom("AMO_ACHAMIL", opened, { fromTadamon: true })).toEqual(opened);
    expect(rightsFrom("AMO_SALARIED", opened)).toEqual(opened);
  });

  it("shows a pending affiliation active once its rights open", () => {
    const opens = new Date(Date.UTC(2026, 3, 15));
    expect(effectiveStatus("PENDING", opens, new Date(Date.UTC(2026, 3, 14)))).toBe("PENDING");
    expect(effectiveStatus("PENDING", opens, opens)).toBe("ACTIVE");
    expect(effectiveStatus("SUSPENDED", opens, opens)).toBe("SUSPENDED");
  });

  it("allows only forward transitions out of CLOSED", () => {
    expect(canMove("ACTIVE", "SUSPENDED")).toBe(true);
    expect(canMove("SUSPENDED", "ACTIVE")).toBe(true);
    expect(canMove("CLOSED", "ACTIVE")).toBe(false);
    expect(canMove("ACTIVE", "PENDING")).toBe(false);
  });
});
