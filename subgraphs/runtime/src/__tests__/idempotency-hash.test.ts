import { canonical } from "../database/idempotency.js";

describe("the request hash behind an idempotency key", () => {
  it("tells two requests apart that differ only by a date, so a key reused for another date is refused", () => {
    const first = { idcs: "1062609475", dateOfDeath: new Date("2026-11-30") };
    const other = { idcs: "1062609475", dateOfDeath: new Date("2026-12-01") };
    expect(canonical(first)).not.toBe(canonical(other));
    expect(canonical(first)).toBe(canonical({ dateOfDeath: new Date("2026-11-30T00:00:00.000Z"), idcs: "1062609475" }));
  });

  it("hashes an invalid date as null rather than throwing", () => {
    expect(canonical({ on: new Date("not a date") })).toBe('{"on":null}');
  });
});
