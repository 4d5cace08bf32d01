import { readFileSync } from "node:fs";
import { scoredDemoHouseholds } from "../seed/demo-households.js";

// On a fixed day, so that ages (and so scores) do not move with the clock.
const today = new Date("2026-12-01T12:00:00Z");

describe("demo households", () => {
  const households = [...scoredDemoHouseholds({ today })];

  it("keep the scores they had before enrolment was declared, unless civil status added members", () => {
    // The scores of 2026-12-01 before issue 19 (enrolment and civil status), by household id.
    const before = new Map<string, string>(
      JSON.parse(readFileSync(new URL("./fixtures/demo-scores-2026-12-01.json", import.meta.url), "utf8")),
    );
    const unchanged = households.filter((h) => h.family.civil.newMembers.length === 0);
    expect(unchanged.length).toBeGreaterThan(400);
    for (const h of unchanged.filter((h) => before.has(h.id))) {
      expect(`${h.id}:${h.score}`).toBe(`${h.id}:${before.get(h.id)}`);
    }
    const grown = households.filter((h) => h.family.civil.newMembers.length > 0);
    expect(grown.length).toBeGreaterThan(0);
    expect(grown.every((h) => h.members.length === h.family.members.length + h.family.civil.newMembers.length)).toBe(
      true,
    );
    expect(households.some((h) => h.members.some((m) => m.relationship === "GRANDCHILD"))).toBe(true);
  });

  it("declare children of school age mostly enrolled, in this school year, and nobody under 3", () => {
    const lines = households.flatMap((h) => h.declaration.members.map((m) => ({ ...m, age: h.ages.get(m.idcs) ?? 0 })));
    const schoolAge = lines.filter((m) => m.age >= 6 && m.age < 15);
    const enrolled = schoolAge.filter((m) => m.enrolment !== null);
    expect(enrolled.length / schoolAge.length).toBeGreaterThan(0.85);
    expect(enrolled.length).toBeLessThan(schoolAge.length);
    expect(new Set(lines.flatMap((m) => (m.enrolment ? [m.enrolment.schoolYear] : [])))).toEqual(
      new Set(["2026-2027"]),
    );
    expect(lines.filter((m) => m.age < 3).every((m) => m.enrolment === null)).toBe(true);
    expect(lines.some((m) => m.enrolment?.level === "HIGHER")).toBe(true);
    expect(lines.some((m) => m.enrolment?.level === "VOCATIONAL_TRAINING")).toBe(true);
  });

  it("include AMO Achamil candidates: adults without activity in households above the Tadamon threshold", () => {
    const candidates = households.filter(
      (h) =>
        Number(h.score) > 9.3264284 &&
        h.declaration.members.some(
          (m) =>
            m.idcs !== h.headIdcs &&
            m.occupation === "UNEMPLOYED" &&
            (h.ages.get(m.idcs) ?? 0) >= 18 &&
            !h.records.some((r) => r.personIdcs === m.idcs && r.item === "EMPLOYMENT"),
        ),
    );
    expect(candidates.length).toBeGreaterThanOrEqual(10);
  });

  it("are the same on every run", () => {
    const again = [...scoredDemoHouseholds({ today })];
    expect(again.map((h) => h.declaration)).toEqual(households.map((h) => h.declaration));
  });
});
