import { canMove, effectiveStatus, PAYER, rightsFrom } from "../regimes.js";

describe("regimes", () => {
  const opened = new Date(Date.UTC(2026, 0, 15));

  it("names who pays", () => {
    expect(PAYER).toEqual({ AMO_TADAMON: "STATE", AMO_SALARIED: "EMPLOYER", AMO_TNS: "SELF", AMO_ACHAMIL: "SELF" });
  });

  it("opens the rights of a regime without waiting period on the day of affiliation", () => {
    expect(rightsFrom(new Date(Date.UTC(2026, 0, 15, 17, 30)))).toEqual(opened);
  });

  it("shows a pending affiliation active once its rights open", () => {
    const opens = new Date(Date.UTC(2026, 3, 15));
    expect(effectiveStatus("PENDING", opens, new Date(Date.UTC(2026, 3, 14)))).toBe("PENDING");
    expect(effectiveStatus("PENDING", opens, opens)).toBe("ACTIVE");
    expect(effectiveStatus("SUSPENDED", opens, opens)).toBe("SUSPENDED");
    // AMO Achamil before its first contribution: no day yet.
    expect(effectiveStatus("PENDING", null, opens)).toBe("PENDING");
  });

  it("allows only forward transitions out of CLOSED", () => {
    expect(canMove("ACTIVE", "SUSPENDED")).toBe(true);
    expect(canMove("SUSPENDED", "ACTIVE")).toBe(true);
    expect(canMove("CLOSED", "ACTIVE")).toBe(false);
    expect(canMove("ACTIVE", "PENDING")).toBe(false);
  });
});
