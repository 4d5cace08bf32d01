import { idcsFromBody } from "../idcs.js";
import { nameKey } from "../name-key.js";
import type { PersonRecord } from "../person-record.js";
import { SeededRandom } from "../random.js";
import { REGIONS, type Region } from "../regions.js";
import { type FamilyCivilStatus, familyCivilStatus } from "./demo-civil-status.js";
import { FEMALE_FIRST_NAMES, FOREIGN_RESIDENTS, LAST_NAMES, MALE_FIRST_NAMES, type NamePair } from "./names.js";

/*
 * The synthetic population behind the demo and the benchmarks. Everything is drawn from one seeded
 * generator in a fixed order and dated relative to a fixed reference day, so the same seed and size
 * give the same people everywhere. Households matter here because the other registers (households,
 * insurance, aid) are generated from the same families.
 */

export const DEMO_SEED = 20_221_117;
export const DEMO_PERSONS = 2_400;
/** Ages and dates are computed from this day, not from the clock. */
export const REFERENCE_DAY = new Date(Date.UTC(2026, 0, 1));

export type Relationship = "HEAD" | "SPOUSE" | "CHILD" | "PARENT";

/** A registration as the rules accept it, with what registering it gave: an IDCS, a date, a life. */
export interface GeneratedPerson extends PersonRecord {
  idcs: string;
  lifeStatus: "ALIVE" | "DECEASED";
  dateOfDeath: Date | null;
  registeredAt: Date;
}

export interface GeneratedFamily {
  /** Sequence number of the family in the generated stream, from 1. */
  number: number;
  members: { person: GeneratedPerson; relationship: Relationship }[];
  /** Relatives who died (a late father, a grandparent): registered, not household members. */
  deceased: GeneratedPerson[];
  /**
   * The family's civil status (marriages, filiation, disabilities, custody and kafala) and the
   * persons it adds: drawn after the family from a stream of its own (demo-civil-status.ts), so
   * that `members` and `deceased` are exactly what they were before civil status existed.
   */
  civil: FamilyCivilStatus;
}

// Household sizes 1..9; the weights give a mean of about 4.4 persons.
const SIZE_WEIGHTS = [8, 12, 15, 19, 18, 12, 8, 5, 3];
const FOREIGN_SHARE = 0.015;
const DAY_MS = 86_400_000;
// Letters of the CNIE number by region (illustrative: the real series are not published).
const CIN_PREFIXES: Record<string, readonly string[]> = {
  "01": ["K", "KB", "L", "LC"],
  "02": ["F", "FA", "FB"],
  "03": ["C", "CD", "D", "DA"],
  "04": ["A", "AB", "AD", "G"],
  "05": ["I", "IA", "Q"],
  "06": ["B", "BE", "BH", "BK", "M"],
  "07": ["E", "EE", "H", "HA"],
  "08": ["P", "PA", "U"],
  "09": ["J", "JA", "JB"],
  "10": ["JC", "JE"],
  "11": ["SH", "SJ"],
  "12": ["VA", "VB"],
};

/** A family as the main stream makes it, before its civil status. */
type MainFamily = Omit<GeneratedFamily, "civil"> & { lateHusband: GeneratedPerson | null; foreign: boolean };

class FamilyFactory {
  private readonly random: SeededRandom;
  /** Shared with the civil stream, which never gives a number the main stream gave. */
  readonly usedIdcs = new Set<number>();
  readonly usedCin = new Set<string>();
  private readonly regionWeights = REGIONS.map((region) => region.population2024);

  constructor(seed: number) {
    this.random = new SeededRandom(seed);
  }

  private idcs(): string {
    for (;;) {
      const body = this.random.int(100_000_000, 900_000_000);
      if (!this.usedIdcs.has(body)) {
        this.usedIdcs.add(body);
        return idcsFromBody(String(body));
      }
    }
  }

  private cin(regionCode: string): string {
    for (;;) {
      const prefix = this.random.pick(CIN_PREFIXES[regionCode] ?? ["X"]);
      const cin = `${prefix}${this.random.int(100_000, 1_000_000)}`;
      if (!this.usedCin.has(cin)) {
        this.usedCin.add(cin);
        return cin;
      }
    }
  }

  private birthDate(age: number): Date {
    const days = age * 365.25 + this.random.int(0, 365);
    return new Date(Math.floor((REFERENCE_DAY.getTime() - days * DAY_MS) / DAY_MS) * DAY_MS);
  }

  private dayBetween(from: Date, to: Date): Date {
    const days = Math.max(0, Math.floor((to.getTime() - from.getTime()) / DAY_MS));
    return new Date(from.getTime() + this.random.int(0, days + 1) * DAY_MS);
  }

  family(number: number, size: number): MainFamily {
    const r = this.random;
    // The first families visit every region three times, so that even the least populated
    // regions have a few households in a small demo; after that, regions follow population.
    const weighted = r.weighted(this.regionWeights);
    const region = REGIONS[number <= 3 * REGIONS.length ? (number - 1) % REGIONS.length : weighted] as Region;
    const province = r.pick(region.provinces);
    const commune = r.pick(province.communes);
    const milieu = r.chance(region.urbanShare) ? "URBAN" : "RURAL";
    const foreign = r.chance(FOREIGN_SHARE) ? r.pick(FOREIGN_RESIDENTS) : null;
    const familyName = foreign ? r.pick(foreign.last) : r.pick(LAST_NAMES);
    const firstNames = (sex: "MALE" | "FEMALE"): readonly NamePair[] =>
      foreign ? foreign.first : sex === "MALE" ? MALE_FIRST_NAMES : FEMALE_FIRST_NAMES;
    const elsewhere = () => {
      const other = r.pick(REGIONS);
      return r.pick(r.pick(other.provinces).communes);
    };

    const person = (
      sex: "MALE" | "FEMALE",
      age: number,
      options: { lastName?: NamePair; bornHere?: boolean; representative?: GeneratedPerson } = {},
    ): GeneratedPerson => {
      const first = r.pick(firstNames(sex));
      const last = options.lastName ?? familyName;
      const birthDate = this.birthDate(age);
      const citizen = !foreign;
      const hasCin = citizen && (age >= 18 || (age >= 16 && r.chance(0.5)));
      const registeredAt = new Date(
        this.dayBetween(new Date(Date.UTC(2022, 0, 3)), REFERENCE_DAY).getTime() + r.int(8, 17) * 3_600_000,
      );
      return {
        idcs: this.idcs(),
        cin: hasCin ? this.cin(region.code) : null,
        firstName: first.latin,
        lastName: last.latin,
        firstNameAr: first.arabic,
        lastNameAr: last.arabic,
        nameKey: nameKey(last.latin, first.latin),
        sex,
        birthDate,
        birthPlace: options.bornHere || r.chance(0.6) ? commune : elsewhere(),
        nationality: foreign ? foreign.nationality : "MAR",
        residencyStatus: citizen ? "CITIZEN" : "FOREIGN_RESIDENT",
        regionCode: region.code,
        province: province.name,
        commune,
        milieu,
        phone: age >= 18 && r.chance(0.85) ? `+2126${String(r.int(0, 100_000_000)).padStart(8, "0")}` : null,
        lifeStatus: "ALIVE",
        dateOfDeath: null,
        registeredAt,
        registrationCentre: `CSC ${commune}`,
        legalRepresentativeIdcs: age < 18 ? (options.representative?.idcs ?? null) : null,
      };
    };
    const die = (p: GeneratedPerson): GeneratedPerson => ({
      ...p,
      lifeStatus: "DECEASED",
      dateOfDeath: this.dayBetween(new Date(Math.max(p.birthDate.getTime(), Date.UTC(2021, 0, 1))), REFERENCE_DAY),
      phone: null,
    });

    const members: GeneratedFamily["members"] = [];
    const deceased: GeneratedPerson[] = [];
    if (size === 1) {
      const single = person(r.chance(0.5) ? "MALE" : "FEMALE", r.int(20, 86));
      members.push({ person: single, relationship: "HEAD" });
      return { number, members, deceased, lateHusband: null, foreign: foreign !== null };
    }
    const widowed = r.chance(0.08);
    const headSex = widowed || r.chance(0.12) ? "FEMALE" : "MALE";
    const headAge = r.int(24, 72);
    const head = person(headSex, headAge);
    members.push({ person: head, relationship: "HEAD" });
    let mother = headSex === "FEMALE" ? head : null;
    let remaining = size - 1;
    if (!widowed && headSex === "MALE" && remaining > 0 && r.chance(0.9)) {
      const spouseAge = Math.max(19, headAge - r.int(0, 9));
      const spouse = person("FEMALE", spouseAge, { lastName: r.pick(LAST_NAMES) });
      members.push({ person: spouse, relationship: "SPOUSE" });
      mother = spouse;
      remaining--;
    }
    let lateHusband: GeneratedPerson | null = null;
    if (widowed) {
      const husband = person("MALE", headAge + r.int(0, 9), { lastName: familyName });
      lateHusband = die(husband);
      deceased.push(lateHusband);
    }
    if (remaining >= 3 && headAge >= 35 && r.chance(0.15)) {
      const parentSex = r.chance(0.6) ? "FEMALE" : "MALE";
      const grandparent = person(parentSex, Math.min(95, headAge + r.int(20, 32)));
      members.push({ person: grandparent, relationship: "PARENT" });
      remaining--;
    }
    const motherAge = mother
      ? Math.floor((REFERENCE_DAY.getTime() - mother.birthDate.getTime()) / (365.25 * DAY_MS))
      : headAge;
    const oldestChild = Math.max(0, Math.min(motherAge - 18, 30));
    const representative = headSex === "MALE" ? head : (mother ?? head);
    for (let i = 0; i < remaining; i++) {
      const age = r.int(0, oldestChild + 1);
      const child = person(r.chance(0.51) ? "MALE" : "FEMALE", age, { bornHere: true, representative });
      members.push({ person: child, relationship: "CHILD" });
    }
    if (r.chance(0.06) && headAge >= 45) {
      deceased.push(die(person(r.chance(0.5) ? "MALE" : "FEMALE", Math.min(98, headAge + r.int(22, 35)))));
    }
    return { number, members, deceased, lateHusband, foreign: foreign !== null };
  }

  size(): number {
    return 1 + this.random.weighted(SIZE_WEIGHTS);
  }
}

/**
 * Families until `persons` people (members and deceased relatives of the main stream) have been
 * produced; the persons their civil status adds come on top (a few percent), so that the same
 * `persons` gives the same families as before civil status existed.
 */
export function* generateFamilies(options: { seed?: number; persons: number }): Generator<GeneratedFamily> {
  const seed = options.seed ?? DEMO_SEED;
  const factory = new FamilyFactory(seed);
  const used = { idcs: factory.usedIdcs, cin: factory.usedCin };
  let produced = 0;
  for (let number = 1; produced < options.persons; number++) {
    const { lateHusband, foreign, ...family } = factory.family(number, factory.size());
    produced += family.members.length + family.deceased.length;
    const civil = familyCivilStatus(
      seed,
      { number, members: family.members, lateHusband, foreign },
      used,
      REFERENCE_DAY,
    );
    yield { ...family, civil };
  }
}

/**
 * Every person of the generated families, representatives before the minors they represent: each
 * family's main-stream persons first, then those its civil status added.
 */
export function* generatePersons(options: { seed?: number; persons: number }): Generator<GeneratedPerson> {
  for (const family of generateFamilies(options)) {
    yield* family.deceased;
    for (const member of family.members) {
      yield member.person;
    }
    yield* family.civil.relatives;
    for (const member of family.civil.newMembers) {
      yield member.person;
    }
  }
}
