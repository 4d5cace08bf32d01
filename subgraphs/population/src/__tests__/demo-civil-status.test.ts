import { createHash } from "node:crypto";
import { DEMO_STORIES } from "@spx/reference/demo/demo-civil-status";
import {
  DEMO_PERSONS,
  type GeneratedFamily,
  generateFamilies,
  generatePersons,
  REFERENCE_DAY,
} from "@spx/reference/demo/demo-population";
import type { FieldProblem } from "@spx/runtime/errors";
import { countedCall } from "@spx/testkit/test-subgraph";
import {
  CivilRules,
  checkDisability,
  checkGuardianship,
  checkParent,
  checkSpouses,
  overlaps,
  type PersonFacts,
} from "../domain/civil-status.js";
import { seedDemoIfEmpty } from "../seed/seed-demo.js";
import { type Harness, startPopulation } from "./harness.js";

/*
 * The demo families' civil status: drawn apart from the main stream, so every person the demo
 * had before keeps their IDCS and data (README examples and other tests name them), and coherent
 * with the register's own rules.
 */

const families: GeneratedFamily[] = [...generateFamilies({ persons: DEMO_PERSONS })];
const mainPersons = families.flatMap((f) => [...f.deceased, ...f.members.map((m) => m.person)]);
const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const dayOf = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "");

describe("the demo population with civil status", () => {
  it("keeps the 2,400 persons it had, same IDCS, same data, same order", () => {
    // Computed from the generator before civil status existed (commit e1bebfc).
    expect(mainPersons).toHaveLength(2400);
    expect(sha(mainPersons.map((p) => p.idcs).join(","))).toBe(
      "38d86b2deef1b2f0bad61f6b09a874f40abd6aa2e6deb6c5f79a74176fac9383",
    );
    const data = mainPersons.map((p) =>
      [
        p.idcs,
        p.cin,
        p.firstName,
        p.lastName,
        p.sex,
        dayOf(p.birthDate),
        p.lifeStatus,
        dayOf(p.dateOfDeath),
        p.regionCode,
        p.commune,
        p.phone ?? "",
      ].join("|"),
    );
    expect(sha(data.join("\n"))).toBe("8f24967f2b3e87585c6e72eb7dda61d97cc40125d75416bf0121b99d61eccece");
  });

  it("only appends persons: without those civil status added, the person list is the old one", () => {
    const all = [...generatePersons({ persons: DEMO_PERSONS })];
    const added = new Set(
      families.flatMap((f) => [...f.civil.relatives, ...f.civil.newMembers.map((m) => m.person)]).map((p) => p.idcs),
    );
    expect(added.size).toBeGreaterThan(0);
    expect(all.filter((p) => !added.has(p.idcs)).map((p) => p.idcs)).toEqual(mainPersons.map((p) => p.idcs));
    expect(new Set(all.map((p) => p.idcs)).size).toBe(all.length);
    const cins = all.flatMap((p) => (p.cin ? [p.cin] : []));
    expect(new Set(cins).size).toBe(cins.length);
  });

  it("holds only facts the register's rules accept", () => {
    const rules = new CivilRules([
      { name: "MAX_MARRIAGES_IN_FORCE_HUSBAND", effectiveFrom: new Date("2004-02-05"), value: 4 },
      { name: "MAX_MARRIAGES_IN_FORCE_WIFE", effectiveFrom: new Date("2004-02-05"), value: 1 },
      { name: "MIN_PARENT_AGE_YEARS", effectiveFrom: new Date("1900-01-01"), value: 12 },
      { name: "MAX_POSTHUMOUS_BIRTH_DAYS", effectiveFrom: new Date("2004-02-05"), value: 365 },
      { name: "WARD_MAX_AGE_YEARS", effectiveFrom: new Date("2004-02-05"), value: 18 },
      { name: "MIN_GUARDIAN_AGE_YEARS", effectiveFrom: new Date("2004-02-05"), value: 18 },
    ]);
    const persons = new Map<string, PersonFacts>(
      [...generatePersons({ persons: DEMO_PERSONS })].map((p) => [p.idcs, p]),
    );
    const get = (idcs: string | null) => {
      const person = idcs ? persons.get(idcs) : undefined;
      if (!person) {
        throw new Error("a civil fact names a person who is not generated");
      }
      return person;
    };
    const problems: (FieldProblem & { family: number })[] = [];
    const all = families.flatMap((f) => f.civil.marriages);
    for (const family of families) {
      const found: FieldProblem[] = [];
      const { marriages, filiations, disabilities, guardianships } = family.civil;
      for (const m of marriages) {
        checkSpouses(found, get(m.husbandIdcs), get(m.wifeIdcs), m.since, REFERENCE_DAY);
        const inForce = (key: "husbandIdcs" | "wifeIdcs") =>
          all.filter((o) => o[key] === m[key] && overlaps(o, m)).length;
        if (inForce("husbandIdcs") > 4 || inForce("wifeIdcs") > 1) {
          found.push({ field: m.id, message: "too many marriages in force" });
        }
      }
      for (const f of filiations) {
        const child = get(f.childIdcs);
        if (f.motherIdcs) {
          checkParent(found, "motherIdcs", get(f.motherIdcs), child, rules);
        }
        if (f.fatherIdcs) {
          checkParent(found, "fatherIdcs", get(f.fatherIdcs), child, rules);
        }
      }
      for (const d of disabilities) {
        checkDisability(found, get(d.idcs), d.certifiedOn, d.reviewOn, REFERENCE_DAY);
      }
      for (const g of guardianships) {
        checkGuardianship(found, g.kind, get(g.childIdcs), get(g.guardianIdcs), g.since, REFERENCE_DAY, rules);
      }
      problems.push(...found.map((p) => ({ ...p, family: family.number })));
    }
    expect(problems).toEqual([]);
  });

  it("names one person of each story, who tells it", () => {
    const stories = new Map(families.flatMap((f) => f.civil.stories.map((s) => [`${s.story}:${s.idcs}`, f.number])));
    for (const [story, { idcs, family }] of Object.entries(DEMO_STORIES)) {
      expect([story, stories.get(`${story}:${idcs}`)]).toEqual([story, family]);
    }
  });
});

describe("the seeded register", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startPopulation("demo-civil");
    await seedDemoIfEmpty(h.app.prisma);
  });
  afterAll(async () => {
    await h?.stop();
  });

  const STORY = /* GraphQL */ `
    query($i: ID!) {
      person(idcs: $i) {
        maritalStatus fatherless disabled birthRank
        mother { idcs lifeStatus } father { idcs lifeStatus }
        marriages { endReason endedOn spouse { idcs } }
        inCareOf { kind guardian { idcs } until }
        children { idcs lifeStatus }
        civilStatusHistory { kind recordedBy }
      }
    }
  `;

  interface Story {
    maritalStatus: string;
    fatherless: boolean | null;
    disabled: boolean;
    birthRank: number | null;
    mother: { idcs: string; lifeStatus: string } | null;
    father: { idcs: string; lifeStatus: string } | null;
    marriages: { endReason: string | null; endedOn: string | null; spouse: { idcs: string } }[];
    inCareOf: { kind: string; guardian: { idcs: string }; until: string | null }[];
    children: { idcs: string; lifeStatus: string }[];
    civilStatusHistory: { kind: string; recordedBy: string }[];
  }

  async function story(idcs: string): Promise<Story> {
    const { body } = await h.call<{ person: Story }>(STORY, { i: idcs });
    expect(body.errors).toBeUndefined();
    return body.data?.person as Story;
  }

  it("tells each story through the graph", async () => {
    const widow = await story(DEMO_STORIES.WIDOW.idcs);
    expect(widow.maritalStatus).toBe("WIDOWED");
    const orphan = await story(DEMO_STORIES.ORPHANS_IN_KAFALA.idcs);
    expect(orphan).toMatchObject({ fatherless: true, mother: { lifeStatus: "DECEASED" } });
    expect(orphan.inCareOf).toEqual([expect.objectContaining({ kind: "KAFALA", until: null })]);
    const adultOrphan = await story(DEMO_STORIES.DISABLED_ORPHAN_OVER_20.idcs);
    expect(adultOrphan).toMatchObject({ fatherless: true, disabled: true });
    const divorced = await story(DEMO_STORIES.DIVORCED_MOTHER.idcs);
    expect(divorced.maritalStatus).toBe("DIVORCED");
    const child = await story(divorced.children[0]?.idcs as string);
    expect(child).toMatchObject({ fatherless: false, father: { lifeStatus: "ALIVE" } });
    const husband = await story(DEMO_STORIES.POLYGAMOUS_HOUSEHOLD.idcs);
    expect(husband.marriages.filter((m) => m.endedOn === null)).toHaveLength(2);
    const student = await story(DEMO_STORIES.MARRIED_STUDENT.idcs);
    expect(student.maritalStatus).toBe("MARRIED");
    const baby = await story(DEMO_STORIES.BIRTH_AFTER_CHILD_DEATH.idcs);
    const mother = await story(baby.mother?.idcs as string);
    const rankAmong = (children: { idcs: string }[]) =>
      children.findIndex((c) => c.idcs === DEMO_STORIES.BIRTH_AFTER_CHILD_DEATH.idcs) + 1;
    // Ranked among all the mother's children: one place further than among the living.
    expect(baby.birthRank).toBe(rankAmong(mother.children));
    expect(baby.birthRank).toBe(rankAmong(mother.children.filter((c) => c.lifeStatus === "ALIVE")) + 1);
    expect((await story(DEMO_STORIES.DISABLED_CHILD.idcs)).disabled).toBe(true);
    expect((await story(DEMO_STORIES.DISABLED_ADULT.idcs)).disabled).toBe(true);
    expect(widow.civilStatusHistory[0]).toEqual({ kind: "MARRIAGE_RECORDED", recordedBy: "ANR/SYSTEM" });
  });

  const PAGE = /* GraphQL */ `
    query($first: Int) {
      persons(first: $first) {
        edges { node {
          idcs maritalStatus
          marriages { since spouse { idcs maritalStatus } }
          mother { idcs } father { idcs lifeStatus }
          children { idcs birthRank }
          birthRank fatherless disabled
          disability { certifiedOn }
          inCareOf { kind guardian { idcs } } wards { child { idcs } }
          civilStatusHistory { kind }
        } }
      }
    }
  `;

  it("costs about as many SQL statements for a page of 100 persons as for a page of 30, civil status included", async () => {
    // 30 demo persons already have every kind of fact a page reaches, so every loader runs in both.
    const thirty = await countedCall<{ persons: { edges: unknown[] } }>(h, PAGE, { first: 30 });
    const hundred = await countedCall<{
      persons: { edges: { node: { marriages: unknown[]; children: unknown[]; civilStatusHistory: unknown[] } }[] };
    }>(h, PAGE, { first: 100 });
    expect(hundred.data?.persons.edges).toHaveLength(100);
    const nodes = hundred.data?.persons.edges.map((e) => e.node) ?? [];
    expect(nodes.some((n) => n.marriages.length > 0)).toBe(true);
    expect(nodes.some((n) => n.children.length > 0)).toBe(true);
    // One batch per loader and nesting level, whatever the page's size. A loader may batch twice at
    // one level when some of its keys were already cached (their answers arrive a tick earlier),
    // which varies with the data by a statement or two, never with the number of persons.
    expect(hundred.statements).toBeLessThanOrEqual(thirty.statements + 2);
    expect(hundred.statements).toBeLessThan(30);
  });
});
