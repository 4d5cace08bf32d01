import { idcsFromBody } from "../idcs.js";
import { nameKey } from "../name-key.js";
import { SeededRandom } from "../random.js";
import { REGIONS } from "../regions.js";
import type { GeneratedPerson } from "./demo-population.js";
import { FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES, type NamePair } from "./names.js";

/*
 * The demo families' civil status: marriages, filiation, disabilities, custody and kafala, and the
 * few persons these facts need (an ex-husband registered elsewhere, orphaned grandchildren and
 * their late parents, a second wife, a student's spouse, a child who died). Everything here is
 * drawn from a stream of its own, seeded from the demo seed and the family number, AFTER the
 * family itself: the main stream, and so every person it produced before, stays as it was. New
 * persons' IDCS and CIN are kept out of the main stream's (one set of used numbers for both).
 */

const DAY_MS = 86_400_000;

/** A person of the demo (the main generator's shape). */
export type CivilPerson = GeneratedPerson;

export interface DemoMarriage {
  id: string;
  husbandIdcs: string;
  wifeIdcs: string;
  since: Date;
  endedOn: Date | null;
  endReason: "DIVORCE" | "ANNULMENT" | "DEATH" | null;
  sourceDocument: string;
}

export interface DemoFiliation {
  childIdcs: string;
  motherIdcs: string | null;
  fatherIdcs: string | null;
  sourceDocument: string;
}

export interface DemoDisability {
  idcs: string;
  certifyingAuthority: string;
  certifiedOn: Date;
  reviewOn: Date | null;
  permanentIncapacity: boolean;
  diagnosis: string;
  sourceDocument: string;
}

export interface DemoGuardianship {
  id: string;
  kind: "LEGAL_GUARDIANSHIP" | "CUSTODY" | "KAFALA";
  childIdcs: string;
  guardianIdcs: string;
  since: Date;
  until: Date | null;
  sourceDocument: string;
}

/** The kinds of demo stories, one demo person of each named in DEMO_STORIES. */
export type CivilStory =
  | "MARRIED_COUPLE"
  | "WIDOW"
  | "DIVORCED_MOTHER"
  | "ORPHANS_IN_KAFALA"
  | "DISABLED_CHILD"
  | "DISABLED_ADULT"
  | "DISABLED_ORPHAN_OVER_20"
  | "MARRIED_STUDENT"
  | "POLYGAMOUS_HOUSEHOLD"
  | "BIRTH_AFTER_CHILD_DEATH";

/** Relationships of the persons this module adds to a household. */
export type CivilRelationship = "SPOUSE" | "GRANDCHILD";

export interface FamilyCivilStatus {
  marriages: DemoMarriage[];
  filiations: DemoFiliation[];
  disabilities: DemoDisability[];
  guardianships: DemoGuardianship[];
  /** Persons added to the household by these facts (a second wife, orphaned grandchildren). */
  newMembers: { person: CivilPerson; relationship: CivilRelationship }[];
  /** Persons registered for these facts who do not live in the household, alive or deceased. */
  relatives: CivilPerson[];
  /** Which stories the family tells, each with the person who is its subject. */
  stories: { story: CivilStory; idcs: string }[];
}

/** What the civil stream needs to know of a generated family. */
export interface FamilyFacts {
  number: number;
  members: { person: CivilPerson; relationship: "HEAD" | "SPOUSE" | "CHILD" | "PARENT" }[];
  /** The head's late husband, when the family is a widow's. */
  lateHusband: CivilPerson | null;
  /** Foreign residents' families get facts among their members only (no new persons). */
  foreign: boolean;
}

/** The IDCS and CIN already given, shared with the main generator so that no number is given twice. */
export interface UsedNumbers {
  idcs: Set<number>;
  cin: Set<string>;
}

const DIAGNOSES = [
  "Trisomie 21",
  "Infirmité motrice cérébrale",
  "Déficience visuelle sévère",
  "Surdité profonde",
  "Trouble du spectre de l'autisme",
  "Amputation d'un membre inférieur",
  "Déficience intellectuelle moyenne",
];

/** Stable ids for the demo's civil facts: kind c1 marriages, c2 guardianships; i-th of family n. */
export function civilRowId(kind: "marriage" | "guardianship", n: number, i: number): string {
  const k = kind === "marriage" ? "000000c1" : "000000c2";
  return `${k}-${i.toString(16).padStart(4, "0")}-4000-8000-${String(n).padStart(12, "0")}`;
}

/** The civil stream of family n: its own generator, from the demo seed and the family number. */
export function civilRandom(seed: number, n: number): SeededRandom {
  return new SeededRandom((seed ^ Math.imul(n, 0x9e3779b1) ^ 0x5bd1e995) >>> 0);
}

const addDays = (d: Date, n: number) => new Date(d.getTime() + n * DAY_MS);
const addYears = (d: Date, n: number) => new Date(Date.UTC(d.getUTCFullYear() + n, d.getUTCMonth(), d.getUTCDate()));
const maxDate = (...dates: Date[]) => new Date(Math.max(...dates.map((d) => d.getTime())));
const minDate = (...dates: Date[]) => new Date(Math.min(...dates.map((d) => d.getTime())));
const ageAt = (birth: Date, day: Date) => {
  let age = day.getUTCFullYear() - birth.getUTCFullYear();
  if (
    day.getUTCMonth() < birth.getUTCMonth() ||
    (day.getUTCMonth() === birth.getUTCMonth() && day.getUTCDate() < birth.getUTCDate())
  ) {
    age--;
  }
  return age;
};

class CivilStream {
  readonly civil: FamilyCivilStatus = {
    marriages: [],
    filiations: [],
    disabilities: [],
    guardianships: [],
    newMembers: [],
    relatives: [],
    stories: [],
  };
  private marriageCount = 0;
  private guardianshipCount = 0;

  constructor(
    readonly r: SeededRandom,
    readonly family: FamilyFacts,
    readonly used: UsedNumbers,
    readonly referenceDay: Date,
  ) {}

  day(from: Date, to: Date): Date {
    const days = Math.max(0, Math.floor((to.getTime() - from.getTime()) / DAY_MS));
    return addDays(from, this.r.int(0, days + 1));
  }

  private idcs(): string {
    for (;;) {
      const body = this.r.int(100_000_000, 900_000_000);
      if (!this.used.idcs.has(body)) {
        this.used.idcs.add(body);
        return idcsFromBody(String(body));
      }
    }
  }

  private cin(prefix: string): string {
    for (;;) {
      const cin = `${prefix}${this.r.int(100_000, 1_000_000)}`;
      if (!this.used.cin.has(cin)) {
        this.used.cin.add(cin);
        return cin;
      }
    }
  }

  /** A citizen registered for a civil fact: at the family's address, or in another region. */
  person(
    sex: "MALE" | "FEMALE",
    birthDate: Date,
    options: { lastName?: NamePair; elsewhere?: boolean; representative?: string; dateOfDeath?: Date | null },
  ): CivilPerson {
    const r = this.r;
    const head = this.family.members[0]?.person as CivilPerson;
    const first = r.pick(sex === "MALE" ? MALE_FIRST_NAMES : FEMALE_FIRST_NAMES);
    const last = options.lastName ?? r.pick(LAST_NAMES);
    let place = { regionCode: head.regionCode, province: head.province, commune: head.commune, milieu: head.milieu };
    if (options.elsewhere) {
      const region = r.pick(REGIONS.filter((g) => g.code !== head.regionCode));
      const province = r.pick(region.provinces);
      place = {
        regionCode: region.code,
        province: province.name,
        commune: r.pick(province.communes),
        milieu: r.chance(region.urbanShare) ? "URBAN" : "RURAL",
      };
    }
    const age = ageAt(birthDate, this.referenceDay);
    const dead = options.dateOfDeath ?? null;
    const registeredAt = new Date(
      this.day(new Date(Date.UTC(2022, 0, 3)), this.referenceDay).getTime() + r.int(8, 17) * 3_600_000,
    );
    return {
      idcs: this.idcs(),
      cin: age >= 18 ? this.cin(head.cin?.replace(/\d+$/, "") || "X") : null,
      firstName: first.latin,
      lastName: last.latin,
      firstNameAr: first.arabic,
      lastNameAr: last.arabic,
      nameKey: nameKey(last.latin, first.latin),
      sex,
      birthDate,
      birthPlace: place.commune,
      nationality: "MAR",
      residencyStatus: "CITIZEN",
      ...place,
      phone: age >= 18 && !dead && r.chance(0.85) ? `+2126${String(r.int(0, 100_000_000)).padStart(8, "0")}` : null,
      lifeStatus: dead ? "DECEASED" : "ALIVE",
      dateOfDeath: dead,
      registeredAt,
      registrationCentre: `CSC ${place.commune}`,
      legalRepresentativeIdcs: age < 18 && !dead ? (options.representative ?? null) : null,
    };
  }

  birthAged(age: number): Date {
    const days = age * 365.25 + this.r.int(0, 365);
    return new Date(Math.floor((this.referenceDay.getTime() - days * DAY_MS) / DAY_MS) * DAY_MS);
  }

  marriage(husband: CivilPerson, wife: CivilPerson, since: Date, end?: { on: Date; reason: "DIVORCE" | "DEATH" }) {
    const n = this.family.number;
    const i = this.marriageCount++;
    this.civil.marriages.push({
      id: civilRowId("marriage", n, i),
      husbandIdcs: husband.idcs,
      wifeIdcs: wife.idcs,
      since,
      endedOn: end?.on ?? null,
      endReason: end?.reason ?? null,
      sourceDocument: `Acte de mariage ${n}-${i}/${since.getUTCFullYear()}`,
    });
  }

  filiation(child: CivilPerson, mother: CivilPerson | null, father: CivilPerson | null) {
    if (mother || father) {
      this.civil.filiations.push({
        childIdcs: child.idcs,
        motherIdcs: mother?.idcs ?? null,
        fatherIdcs: father?.idcs ?? null,
        sourceDocument: `Acte de naissance ${child.birthDate.getUTCFullYear()}/${this.family.number}`,
      });
    }
  }

  disability(person: CivilPerson, options: { permanent?: boolean } = {}) {
    const r = this.r;
    const head = this.family.members[0]?.person as CivilPerson;
    const from = maxDate(person.birthDate, new Date(Date.UTC(2022, 0, 1)));
    const certifiedOn = this.day(from, new Date(Date.UTC(2025, 5, 30)));
    const permanent = options.permanent ?? r.chance(0.4);
    this.civil.disabilities.push({
      idcs: person.idcs,
      certifyingAuthority: `Commission médicale provinciale de ${head.province}`,
      certifiedOn,
      // A temporary recognition is reviewed after five years: in force through 2027 at least.
      reviewOn: permanent ? null : addYears(certifiedOn, 5),
      permanentIncapacity: permanent,
      diagnosis: r.pick(DIAGNOSES),
      sourceDocument: `Carte de handicap ${certifiedOn.getUTCFullYear()}-${this.family.number}`,
    });
  }

  guardianship(kind: DemoGuardianship["kind"], child: CivilPerson, guardian: CivilPerson, since: Date) {
    const n = this.family.number;
    const i = this.guardianshipCount++;
    this.civil.guardianships.push({
      id: civilRowId("guardianship", n, i),
      kind,
      childIdcs: child.idcs,
      guardianIdcs: guardian.idcs,
      since,
      until: null,
      sourceDocument: `${kind === "KAFALA" ? "Ordonnance de kafala" : "Jugement"} ${n}-${i}/${since.getUTCFullYear()}`,
    });
  }

  story(story: CivilStory, idcs: string) {
    this.civil.stories.push({ story, idcs });
  }

  /** The date of a couple's marriage: both 18 or more, before their eldest child, not after `latest`. */
  weddingDay(husband: CivilPerson, wife: CivilPerson, children: CivilPerson[], latest: Date): Date {
    const adults = maxDate(addYears(husband.birthDate, 18), addYears(wife.birthDate, 18));
    const eldest = children.length > 0 ? minDate(...children.map((c) => c.birthDate)) : null;
    const before = eldest ? addDays(eldest, -this.r.int(200, 1100)) : this.day(adults, latest);
    return minDate(maxDate(before, adults), latest);
  }
}

/** A child's father when he can be: alive at the birth or dead at most 300 days before it. */
function coherentFather(father: CivilPerson, child: CivilPerson): CivilPerson | null {
  return father.dateOfDeath && father.dateOfDeath.getTime() + 300 * DAY_MS < child.birthDate.getTime() ? null : father;
}

/** The civil status of one generated family (see the file comment). */
export function familyCivilStatus(
  seed: number,
  family: FamilyFacts,
  used: UsedNumbers,
  referenceDay: Date,
): FamilyCivilStatus {
  const s = new CivilStream(civilRandom(seed, family.number), family, used, referenceDay);
  const r = s.r;
  const head = family.members[0]?.person;
  if (!head) {
    return s.civil;
  }
  const spouse = family.members.find((m) => m.relationship === "SPOUSE")?.person ?? null;
  const parent = family.members.find((m) => m.relationship === "PARENT")?.person ?? null;
  const children = family.members.filter((m) => m.relationship === "CHILD").map((m) => m.person);
  const lastYear = addDays(referenceDay, -30);
  const newcomers = !family.foreign;

  // The head's own parent living with them.
  if (parent) {
    s.filiation(head, parent.sex === "FEMALE" ? parent : null, parent.sex === "MALE" ? parent : null);
  }

  let mother: CivilPerson | null = null;
  let father: CivilPerson | null = null;
  if (head.sex === "MALE" && spouse) {
    // A married couple and their children.
    mother = spouse;
    father = head;
    s.marriage(head, spouse, s.weddingDay(head, spouse, children, lastYear));
    s.story("MARRIED_COUPLE", head.idcs);
    if (newcomers && ageAt(head.birthDate, referenceDay) >= 40 && r.chance(0.05)) {
      // A second wife, married later, living in the household.
      const wifeAge = Math.max(22, ageAt(head.birthDate, referenceDay) - r.int(8, 20));
      const second = s.person("FEMALE", s.birthAged(wifeAge), {});
      const since = s.day(maxDate(addYears(second.birthDate, 18), addYears(referenceDay, -10)), lastYear);
      s.marriage(head, second, since);
      s.civil.newMembers.push({ person: second, relationship: "SPOUSE" });
      s.story("POLYGAMOUS_HOUSEHOLD", head.idcs);
    }
  } else if (head.sex === "FEMALE" && family.lateHusband) {
    // A widow: her late husband is her children's father (when the dates allow it).
    const husband = family.lateHusband;
    const death = husband.dateOfDeath ?? lastYear;
    mother = head;
    father = husband;
    s.marriage(husband, head, s.weddingDay(husband, head, children, death), { on: death, reason: "DEATH" });
    s.story("WIDOW", head.idcs);
  } else if (head.sex === "FEMALE" && children.length > 0 && newcomers) {
    // A divorced mother: the children's father is alive and registered in another region.
    const exAge = ageAt(head.birthDate, referenceDay) + r.int(2, 9);
    const ex = s.person("MALE", s.birthAged(exAge), { elsewhere: true, lastName: undefined });
    s.civil.relatives.push(ex);
    mother = head;
    father = ex;
    const youngest = maxDate(...children.map((c) => c.birthDate));
    // After the youngest child's birth (custody of a child not yet born cannot be given).
    const divorce = s.day(minDate(addDays(youngest, 30), referenceDay), referenceDay);
    s.marriage(ex, head, s.weddingDay(ex, head, children, divorce), { on: divorce, reason: "DIVORCE" });
    for (const child of children.filter((c) => ageAt(c.birthDate, divorce) < 18)) {
      s.guardianship("CUSTODY", child, head, divorce);
    }
    s.story("DIVORCED_MOTHER", head.idcs);
  } else if (head.sex === "FEMALE" && family.members.length === 1 && newcomers) {
    const age = ageAt(head.birthDate, referenceDay);
    if (age >= 55 && r.chance(0.45)) {
      // A grandmother with her orphaned grandchildren in kafala: her son and his wife died together.
      const death = s.day(addYears(referenceDay, -4), addYears(referenceDay, -1));
      const son = s.person("MALE", s.birthAged(age - r.int(20, 28)), {
        lastName: { latin: head.lastName, arabic: head.lastNameAr },
        dateOfDeath: death,
      });
      const daughterInLaw = s.person("FEMALE", s.birthAged(ageAt(son.birthDate, referenceDay) - r.int(0, 6)), {
        dateOfDeath: death,
      });
      s.civil.relatives.push(son, daughterInLaw);
      s.filiation(son, head, null);
      const orphans: CivilPerson[] = [];
      for (let i = 0, n = r.int(2, 4); i < n; i++) {
        // Born while both parents lived, at least a year before their death.
        const sonAge = ageAt(son.birthDate, referenceDay);
        const birth = s.birthAged(r.int(2, Math.max(3, Math.min(15, sonAge - 18))));
        const born = minDate(birth, addYears(death, -1));
        const orphan = s.person(r.chance(0.5) ? "MALE" : "FEMALE", born, {
          lastName: { latin: son.lastName, arabic: son.lastNameAr },
          representative: head.idcs,
        });
        orphans.push(orphan);
        s.civil.newMembers.push({ person: orphan, relationship: "GRANDCHILD" });
        s.filiation(orphan, daughterInLaw, son);
      }
      s.marriage(son, daughterInLaw, s.weddingDay(son, daughterInLaw, orphans, death), { on: death, reason: "DEATH" });
      const since = addDays(death, r.int(30, 180));
      for (const orphan of orphans) {
        if (ageAt(orphan.birthDate, since) < 18) {
          s.guardianship("KAFALA", orphan, head, since);
        }
      }
      if (r.chance(0.3) && orphans[0]) {
        s.disability(orphans[0]);
        s.story("DISABLED_CHILD", orphans[0].idcs);
      }
      s.story("ORPHANS_IN_KAFALA", orphans[0]?.idcs ?? head.idcs);
    }
  }

  for (const child of children) {
    s.filiation(child, mother, father ? coherentFather(father, child) : null);
  }

  // A child who died before a newborn: the newborn's birth rank counts them.
  const newborn = children.find((c) => ageAt(c.birthDate, referenceDay) <= 1);
  if (mother && newborn && newcomers && r.chance(0.35)) {
    const born = s.birthAged(r.int(3, 7));
    if (born.getTime() >= addYears(mother.birthDate, 18).getTime()) {
      const died = s.day(addDays(born, 30), addDays(newborn.birthDate, -60));
      const elder = s.person(r.chance(0.5) ? "MALE" : "FEMALE", born, {
        lastName: { latin: (father ?? head).lastName, arabic: (father ?? head).lastNameAr },
        dateOfDeath: died,
      });
      s.civil.relatives.push(elder);
      s.filiation(elder, mother, father ? coherentFather(father, elder) : null);
      s.story("BIRTH_AFTER_CHILD_DEATH", newborn.idcs);
    }
  }

  for (const child of children) {
    const age = ageAt(child.birthDate, referenceDay);
    const orphan = family.lateHusband !== null && father === family.lateHusband;
    if (orphan && age >= 21 && r.chance(0.35)) {
      s.disability(child, { permanent: true });
      s.story("DISABLED_ORPHAN_OVER_20", child.idcs);
    } else if (age < 21 && r.chance(0.04)) {
      s.disability(child);
      s.story("DISABLED_CHILD", child.idcs);
    } else if (age >= 21 && r.chance(0.02)) {
      s.disability(child);
      s.story("DISABLED_ADULT", child.idcs);
    }
    if (newcomers && age >= 22 && age <= 25 && r.chance(0.3)) {
      // A young married student: the spouse lives elsewhere (with their own parents).
      const partnerSex = child.sex === "MALE" ? "FEMALE" : "MALE";
      const partner = s.person(partnerSex, s.birthAged(Math.max(20, age + r.int(-2, 3))), { elsewhere: true });
      s.civil.relatives.push(partner);
      const since = s.day(maxDate(addYears(child.birthDate, 20), addYears(partner.birthDate, 18)), lastYear);
      if (child.sex === "MALE") {
        s.marriage(child, partner, since);
      } else {
        s.marriage(partner, child, since);
      }
      s.story("MARRIED_STUDENT", child.idcs);
    }
  }
  for (const member of [head, spouse].filter((m): m is CivilPerson => m !== null)) {
    if (ageAt(member.birthDate, referenceDay) >= 21 && r.chance(0.02)) {
      s.disability(member);
      s.story("DISABLED_ADULT", member.idcs);
    }
  }
  return s.civil;
}

/**
 * One demo person of each story (the default demo: DEMO_SEED, DEMO_PERSONS), for the README and
 * tests; a test holds each to its story. `family` is the demo family (and household) number.
 */
export const DEMO_STORIES: Readonly<Record<CivilStory, { idcs: string; family: number; who: string }>> = {
  MARRIED_COUPLE: { idcs: "6819274653", family: 1, who: "a husband, married to the household's spouse" },
  BIRTH_AFTER_CHILD_DEATH: {
    idcs: "8271907226",
    family: 2,
    who: "a baby whose elder sibling died: birth rank counts the deceased child",
  },
  DIVORCED_MOTHER: {
    idcs: "1556774320",
    family: 3,
    who: "a divorced mother with custody; the children's father is alive, registered in another region",
  },
  MARRIED_STUDENT: { idcs: "3883777598", family: 6, who: "a married child of the household aged 22 to 25" },
  DISABLED_CHILD: { idcs: "5560874847", family: 11, who: "a child under 21 with a recognised disability" },
  WIDOW: { idcs: "6584405158", family: 18, who: "a widow; her late husband is her children's father" },
  DISABLED_ADULT: { idcs: "8806146082", family: 25, who: "an adult with a recognised disability" },
  POLYGAMOUS_HOUSEHOLD: {
    idcs: "8966457868",
    family: 43,
    who: "a husband with two wives in force, both in the household",
  },
  ORPHANS_IN_KAFALA: {
    idcs: "5143235644",
    family: 129,
    who: "an orphan (both parents deceased) in kafala of the grandmother who heads the household (GRANDCHILD)",
  },
  DISABLED_ORPHAN_OVER_20: {
    idcs: "2464865984",
    family: 176,
    who: "a fatherless adult child (over 20) with a permanent disability, in a widow's household",
  },
};
