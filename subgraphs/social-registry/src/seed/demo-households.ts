import { DEMO_PERSONS, DEMO_SEED, type GeneratedFamily, generateFamilies } from "@spx/reference/demo/demo-population";
import { SeededRandom } from "@spx/reference/random";
import { isEligible, SHIPPED_THRESHOLDS } from "@spx/reference/thresholds";
import { type Assessment, assessDeclaration } from "../assessment.js";
import type { DeclarationInput, MemberDetailInput } from "../domain/declaration-rules.js";
import { schoolYearOn } from "../domain/declaration-rules.js";
import type {
  DurableGood,
  Enrolment,
  HousingType,
  InstitutionType,
  Occupancy,
  Occupation,
  Schooling,
} from "../domain/household-facts.js";
import type { Relationship } from "../domain/household-rules.js";
import { loadShippedModels } from "../domain/models.js";
import type { AdministrativeRecord } from "../domain/verification.js";

/*
 * Demo households: the population register's demo families (same generator, same seed), each
 * given living conditions drawn from a latent level of living, so that every region has
 * households on both sides of both thresholds. Deterministic: family n always gets the same.
 */

/** A demo member's line; `schooling` repeats attainment for the programmes' demo code written before enrolment. */
export interface DemoMemberDetail extends MemberDetailInput {
  /** @deprecated attainment (kept for the programmes' demo data until they read enrolment). */
  schooling: Schooling;
}

export type DemoDeclaration = Omit<DeclarationInput, "members"> & { members: readonly DemoMemberDetail[] };

export interface DemoHousehold {
  id: string;
  family: GeneratedFamily;
  regionCode: string;
  province: string;
  commune: string;
  milieu: "URBAN" | "RURAL";
  headIdcs: string;
  members: { idcs: string; relationship: Relationship; birthDate: Date }[];
  declaration: DemoDeclaration;
  records: AdministrativeRecord[];
}

/** What the register makes of a demo household's declaration, as registering it would. */
export function assessDemo(
  household: Pick<DemoHousehold, "regionCode" | "milieu" | "headIdcs" | "declaration" | "records">,
  ages: ReadonlyMap<string, number>,
  models: Parameters<typeof assessDeclaration>[0]["models"],
  on: Date,
): Assessment {
  return assessDeclaration({
    household: { regionCode: household.regionCode, milieu: household.milieu },
    headIdcs: household.headIdcs,
    input: household.declaration,
    ages,
    records: household.records,
    models,
    on,
  });
}

/**
 * Stable, readable ids for generated rows: the i-th row of kind `kind` for household n is
 * kkkkkkkk-iiii-4000-8000-nnnnnnnnnnnn (kind 0 is the household itself), so that the same seed
 * gives the same ids in every register.
 */
export function demoRowId(kind: number, n: number, i = 0): string {
  return `${kind.toString(16).padStart(8, "0")}-${i.toString(16).padStart(4, "0")}-4000-8000-${String(n).padStart(12, "0")}`;
}

/** Household n of the demo is 00000000-0000-4000-8000-00000000000n. */
export function demoHouseholdId(n: number): string {
  return demoRowId(0, n);
}

function ageAt(birthDate: Date, day: Date): number {
  return Math.floor((day.getTime() - birthDate.getTime()) / (365.25 * 86_400_000));
}

/**
 * A member's attainment and occupation. The draws from `r` are exactly those made before
 * enrolment was declared apart, so that every demo household keeps its score: only the head's
 * attainment enters the index, and heads are adults, whose values are unchanged; a child's level
 * (once the level attended) is now what the child completed, and the level attended is enrolment.
 */
function memberDetail(
  r: SeededRandom,
  idcs: string,
  age: number,
  level: number,
  rural: boolean,
): Omit<MemberDetailInput, "enrolment"> & { inPreschool?: boolean } {
  if (age < 3) {
    return { idcs, attainment: "NONE", occupation: "CHILD" };
  }
  if (age < 6) {
    return { idcs, attainment: "NONE", occupation: "CHILD", inPreschool: r.chance(0.3 + level * 0.6) };
  }
  if (age < 15) {
    return { idcs, attainment: age < 12 ? "PRESCHOOL" : "PRIMARY", occupation: "CHILD" };
  }
  if (age < 22 && r.chance(0.35 + level * 0.5)) {
    return { idcs, attainment: age < 18 ? "SECONDARY" : "HIGHER", occupation: "STUDENT" };
  }
  const s = level + (r.next() - 0.5) * 0.5;
  const attainment: Schooling = s > 0.85 ? "HIGHER" : s > 0.55 ? "SECONDARY" : s > 0.25 ? "PRIMARY" : "NONE";
  let occupation: Occupation;
  if (age >= 63) {
    occupation = r.chance(level) ? "RETIRED" : "OTHER";
  } else {
    const o = level + (r.next() - 0.5) * 0.6;
    occupation =
      o > 0.8
        ? "PUBLIC_EMPLOYEE"
        : o > 0.55
          ? "PRIVATE_EMPLOYEE"
          : o > 0.35
            ? rural
              ? "FARMER"
              : "SELF_EMPLOYED"
            : r.chance(0.5)
              ? "UNEMPLOYED"
              : rural
                ? "FARMER"
                : "HOMEMAKER";
  }
  return { idcs, attainment, occupation };
}

/**
 * Where a member is enrolled this school year, from its own random stream `e` (drawing from the
 * household's stream would shift every later draw, and the scores with them): children of school
 * age mostly in school (some out of it, which direct aid pays less for), students at their level,
 * some of them in vocational training; public schools unless the household is well off.
 */
function enrolmentOf(
  e: SeededRandom,
  detail: ReturnType<typeof memberDetail>,
  age: number,
  level: number,
  schoolYear: string,
): Enrolment | null {
  const institution = (): InstitutionType => (e.chance(level * 0.5) ? "PRIVATE" : "PUBLIC");
  if (detail.inPreschool) {
    return { level: "PRESCHOOL", institutionType: institution(), schoolYear };
  }
  if (age >= 6 && age < 15) {
    if (!e.chance(0.93 + level * 0.06)) {
      return null;
    }
    return { level: age < 12 ? "PRIMARY" : "LOWER_SECONDARY", institutionType: institution(), schoolYear };
  }
  if (detail.occupation === "STUDENT") {
    if (age < 18) {
      return { level: "UPPER_SECONDARY", institutionType: institution(), schoolYear };
    }
    return e.chance(0.25)
      ? { level: "VOCATIONAL_TRAINING", institutionType: "TRAINING_CENTRE", schoolYear }
      : { level: "HIGHER", institutionType: institution(), schoolYear };
  }
  return null;
}

function pickHousing(r: SeededRandom, level: number, rural: boolean): HousingType {
  if (rural) {
    return level > 0.7
      ? "HOUSE"
      : level > 0.3
        ? "RURAL_DWELLING"
        : r.chance(0.5)
          ? "RURAL_DWELLING"
          : "TRADITIONAL_HOUSE";
  }
  return level > 0.75 ? "MODERN_APARTMENT" : level > 0.45 ? "HOUSE" : level > 0.2 ? "TRADITIONAL_HOUSE" : "SHANTY";
}

function goodsFor(r: SeededRandom, level: number, rural: boolean): DurableGood[] {
  const goods: [DurableGood, number][] = [
    ["TELEVISION", 0.75 + level * 0.25],
    ["REFRIGERATOR", 0.3 + level * 0.7],
    ["SATELLITE_DISH", 0.4 + level * 0.4],
    ["WASHING_MACHINE", level * 0.9],
    ["MOTORCYCLE", rural ? 0.15 + level * 0.2 : 0.1],
    ["COMPUTER", level * level * 0.9],
    ["AIR_CONDITIONING", level * level * 0.6],
    ["CAR", level * level * 0.8],
  ];
  return goods.filter(([, p]) => r.chance(Math.min(0.98, p))).map(([good]) => good);
}

/** Monthly amount in centimes around `mad` dirhams, rounded to the dirham. */
function amount(r: SeededRandom, mad: number): number {
  return Math.max(0, Math.round(mad * (0.75 + r.next() * 0.5))) * 100;
}

/** Which side of the thresholds a forced family must land on: 0 Tadamon, 1 between, 2 above both. */
function bandOf(score: string): number {
  const [tadamon, directAid] = ["AMO_TADAMON", "DIRECT_AID"].map((p) =>
    SHIPPED_THRESHOLDS.find((t) => t.program === p),
  );
  if (tadamon && isEligible(score, tadamon)) {
    return 0;
  }
  return directAid && isEligible(score, directAid) ? 1 : 2;
}

function draw(
  r: SeededRandom,
  family: GeneratedFamily,
  level: number,
  today: Date,
  enrolmentSeed: number,
): { declaration: DemoDeclaration; records: AdministrativeRecord[] } {
  const e = new SeededRandom(enrolmentSeed);
  const added = new SeededRandom((enrolmentSeed ^ 0x2dd3d) >>> 0);
  const head = family.members[0]?.person;
  const rural = head?.milieu === "RURAL";
  const size = family.members.length;
  const rooms = Math.max(1, Math.min(12, Math.round(1 + level * 4 + r.next() * 1.5 + size * 0.15)));
  const electricityConnected = !rural || r.chance(0.75 + level * 0.25);
  const waterConnected = !rural ? r.chance(0.9 + level * 0.1) : r.chance(0.35 + level * 0.5);
  const declaration: DemoDeclaration = {
    housingType: pickHousing(r, level, rural),
    rooms,
    occupancy: (level > 0.5
      ? r.chance(0.7)
        ? "OWNER"
        : "TENANT"
      : r.pick(["OWNER", "TENANT", "FREE_LODGING"])) as Occupancy,
    waterConnected,
    electricityConnected,
    electricitySpending: electricityConnected ? amount(r, 40 + level * 420) : 0,
    waterSpending: waterConnected ? amount(r, 20 + level * 180) : 0,
    telephoneSpending: amount(r, 20 + level * 350),
    gasSpending: amount(r, 40 + level * 60),
    durableGoods: goodsFor(r, level, rural),
    livestockHeads: rural ? Math.round(r.next() * (1 + level * 14)) : 0,
    landHectares: rural ? Math.round(r.next() * (0.5 + level * 12) * 100) / 100 : 0,
    // The persons the family's civil status adds (a second wife, orphaned grandchildren) are
    // drawn from a stream of their own, after the family's: every other draw stays as it was.
    members: [
      ...family.members.map((m) => ({ m, from: r })),
      ...family.civil.newMembers.map((m) => ({ m, from: added })),
    ].map(({ m, from }) => {
      const age = ageAt(m.person.birthDate, today);
      const { inPreschool, ...detail } = memberDetail(from, m.person.idcs, age, level, rural);
      const enrolment = enrolmentOf(e, { ...detail, inPreschool }, age, level, schoolYearOn(today));
      return { ...detail, schooling: detail.attainment, enrolment };
    }),
  };
  const records: AdministrativeRecord[] = [];
  const headIdcs = head?.idcs ?? "";
  if (electricityConnected && r.chance(0.6)) {
    const differs = r.chance(0.1);
    const known = differs ? declaration.electricitySpending * 2 + 10_000 : declaration.electricitySpending;
    records.push({
      source: "ELECTRICITY_UTILITY",
      personIdcs: headIdcs,
      item: "ELECTRICITY_SPENDING",
      value: String(known),
    });
  }
  if (waterConnected && r.chance(0.5)) {
    records.push({
      source: "WATER_UTILITY",
      personIdcs: headIdcs,
      item: "WATER_SPENDING",
      value: String(declaration.waterSpending),
    });
  }
  if (r.chance(0.7)) {
    const owns = declaration.durableGoods.includes("CAR") ? r.chance(0.95) : r.chance(0.03);
    records.push({ source: "VEHICLE_REGISTRY", personIdcs: headIdcs, item: "CAR", value: String(owns) });
  }
  // Employment records of the family's own members only (see `added` above).
  for (const member of declaration.members.slice(0, family.members.length)) {
    const formal = member.occupation === "PUBLIC_EMPLOYEE" || member.occupation === "PRIVATE_EMPLOYEE";
    if ((formal && r.chance(0.9)) || (member.occupation === "UNEMPLOYED" && r.chance(0.05))) {
      records.push({
        source: "CNSS",
        personIdcs: member.idcs,
        item: "EMPLOYMENT",
        value: formal ? member.occupation : "PRIVATE_EMPLOYEE",
      });
    }
  }
  return { declaration, records };
}

/**
 * AMO Achamil candidates: in some better-off households, an adult other than the head who works
 * on their own account (or "other") is declared with no activity instead. Done after the draw and
 * from its own stream, and on a member whose occupation no term of the index reads (only the
 * head's occupation and formal employment enter it), so that no score moves.
 */
function withoutActivity(
  declaration: DemoDeclaration,
  family: GeneratedFamily,
  level: number,
  today: Date,
  seed: number,
): DemoDeclaration {
  const a = new SeededRandom((seed ^ 0xac4a11) >>> 0);
  if (level < 0.45 || !a.chance(0.5)) {
    return declaration;
  }
  const headIdcs = family.members[0]?.person.idcs;
  const ages = new Map(
    [...family.members, ...family.civil.newMembers].map((m) => [m.person.idcs, ageAt(m.person.birthDate, today)]),
  );
  const candidate = declaration.members.find((m) => {
    const age = ages.get(m.idcs) ?? 0;
    return (
      m.idcs !== headIdcs &&
      age >= 18 &&
      age < 63 &&
      m.enrolment === null &&
      (m.occupation === "SELF_EMPLOYED" || m.occupation === "FARMER" || m.occupation === "OTHER")
    );
  });
  if (!candidate) {
    return declaration;
  }
  return {
    ...declaration,
    members: declaration.members.map((m) => (m === candidate ? { ...m, occupation: "UNEMPLOYED" as const } : m)),
  };
}

const FORCED = 36;
const ENROLMENT_STREAM = 0x5c4001;

/**
 * One part of the households, for generating them in parallel: the families whose number, less
 * one, leaves `index` divided by `of`. Every part still draws every family (the population's
 * stream is one sequence, and it keeps identifiers unique), but only its own are worked out
 * further; each family's household has random streams of its own, so the parts together give the
 * very households the whole run gives.
 */
export interface HouseholdPart {
  index: number;
  of: number;
}

export function* generateDemoHouseholds(
  options: { seed?: number; persons?: number; today?: Date; part?: HouseholdPart } = {},
): Generator<DemoHousehold> {
  const today = options.today ?? new Date();
  const seed = options.seed ?? DEMO_SEED;
  const models = loadShippedModels();
  const part = options.part;
  for (const family of generateFamilies({ seed, persons: options.persons ?? DEMO_PERSONS })) {
    if (part && (family.number - 1) % part.of !== part.index) {
      continue;
    }
    const head = family.members[0]?.person;
    if (!head) {
      continue;
    }
    const rural = head.milieu === "RURAL";
    const r = new SeededRandom(seed ^ Math.imul(family.number, 2_654_435_761));
    // The latent level of living: skewed low, as the register's population is.
    let level = Math.min(1, Math.max(0, r.next() ** 1.3 + (rural ? -0.08 : 0.05)));
    // Enrolment has its own stream (see enrolmentOf), the same for every draw of the family.
    const enrolmentSeed = (seed ^ Math.imul(family.number, 0x85ebca6b) ^ ENROLMENT_STREAM) >>> 0;
    let drawn = draw(r, family, level, today, enrolmentSeed);
    if (family.number <= FORCED) {
      // The first families (three per region, see the population generator) are steered to a
      // given side of the thresholds, so that every region shows every case.
      const target = Math.floor((family.number - 1) / 12);
      const ages = new Map(
        [...family.members, ...family.civil.newMembers].map((m) => [m.person.idcs, ageAt(m.person.birthDate, today)]),
      );
      for (let attempt = 0; attempt < 200; attempt++) {
        const score = assessDemo(
          { regionCode: head.regionCode, milieu: head.milieu, headIdcs: head.idcs, ...drawn },
          ages,
          models,
          today,
        ).result.score;
        const band = bandOf(score);
        if (band === target) {
          break;
        }
        level = Math.min(1, Math.max(0, level + (band < target ? 0.04 : -0.04) + (r.next() - 0.5) * 0.02));
        drawn = draw(r, family, level, today, enrolmentSeed);
      }
    }
    yield {
      id: demoHouseholdId(family.number),
      family,
      regionCode: head.regionCode,
      province: head.province,
      commune: head.commune,
      milieu: head.milieu,
      headIdcs: head.idcs,
      members: [...family.members, ...family.civil.newMembers].map((m) => ({
        idcs: m.person.idcs,
        relationship: m.relationship,
        birthDate: m.person.birthDate,
      })),
      declaration: withoutActivity(drawn.declaration, family, level, today, enrolmentSeed),
      records: drawn.records,
    };
  }
}

export interface ScoredDemoHousehold extends DemoHousehold {
  score: string;
  modelVersion: string;
  /** The whole assessment behind the score (verification, facts, contributions). */
  assessment: Assessment;
  /** Member ages on `today`. */
  ages: Map<string, number>;
}

/**
 * The demo households with the index the register gives them (shipped models, today's rules):
 * what the programmes' demo data start from, without reading the register's database.
 */
export function* scoredDemoHouseholds(
  options: { seed?: number; persons?: number; today?: Date; part?: HouseholdPart } = {},
): Generator<ScoredDemoHousehold> {
  const today = options.today ?? new Date();
  const models = loadShippedModels();
  for (const demo of generateDemoHouseholds({ ...options, today })) {
    const ages = new Map(demo.members.map((m) => [m.idcs, ageAt(m.birthDate, today)]));
    const assessment = assessDemo(demo, ages, models, today);
    yield { ...demo, score: assessment.result.score, modelVersion: assessment.model.version, assessment, ages };
  }
}
