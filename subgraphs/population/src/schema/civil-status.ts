import { needs } from "@spx/runtime/access";
import type { CivilStatusRecord, Disability, Guardianship, Marriage, Prisma } from "../../generated/prisma/index.js";
import type { Context } from "../context.js";
import { disabilityInForce, maritalStatusOf } from "../domain/civil-status.js";
import { today } from "../domain/registration.js";
import { builder } from "./builder.js";
import { Person } from "./person.js";

/*
 * Civil status on Person (contract section 3). Every field reads through the request's loaders,
 * so a page of persons costs one statement per loader whatever its size; the persons a fact
 * points to (a spouse, a parent, a guardian) are Person rows under Person's own row policy.
 */

export const MaritalStatusEnum = builder.enumType("MaritalStatus", {
  values: ["SINGLE", "MARRIED", "DIVORCED", "WIDOWED"] as const,
});
export const MarriageEndReasonEnum = builder.enumType("MarriageEndReason", {
  values: ["DIVORCE", "ANNULMENT", "DEATH"] as const,
});
export const GuardianshipKindEnum = builder.enumType("GuardianshipKind", {
  values: ["LEGAL_GUARDIANSHIP", "CUSTODY", "KAFALA"] as const,
});

const MARITAL = needs("civil:marital");
const GUARDIANSHIP = needs("civil:guardianship");
const DISABILITY = needs("civil:disability");
const HISTORY = needs("civil:history");

/** A marriage seen from one of the spouses. */
interface MarriageView {
  marriage: Marriage;
  of: string;
}

export const MarriageRef = builder.objectRef<MarriageView>("Marriage").implement({
  description: "A marriage, seen from one spouse; `spouse` is the other",
  fields: (t) => ({
    id: t.id({ ...MARITAL, resolve: ({ marriage }) => marriage.id }),
    spouse: t.field({
      type: Person,
      ...MARITAL,
      resolve: ({ marriage, of }, _args, context) =>
        context.loaders.person.load(marriage.husbandIdcs === of ? marriage.wifeIdcs : marriage.husbandIdcs),
    }),
    since: t.field({ type: "Date", ...MARITAL, resolve: ({ marriage }) => marriage.since }),
    endedOn: t.field({ type: "Date", ...MARITAL, resolve: ({ marriage }) => marriage.endedOn }),
    endReason: t.field({ type: MarriageEndReasonEnum, ...MARITAL, resolve: ({ marriage }) => marriage.endReason }),
    sourceDocument: t.string({
      ...MARITAL,
      description: "Reference of the act (marriage contract, divorce judgment)",
      resolve: ({ marriage }) => marriage.endSourceDocument ?? marriage.sourceDocument,
    }),
    recordedAt: t.field({ type: "DateTime", ...MARITAL, resolve: ({ marriage }) => marriage.recordedAt }),
  }),
});

export const GuardianshipRef = builder.objectRef<Guardianship>("Guardianship").implement({
  description: "Legal guardianship (tutelle), custody (hadana) or kafala of a child",
  fields: (t) => ({
    id: t.exposeID("id", GUARDIANSHIP),
    kind: t.expose("kind", { type: GuardianshipKindEnum, ...GUARDIANSHIP }),
    child: t.field({
      type: Person,
      ...GUARDIANSHIP,
      resolve: (g, _args, context) => context.loaders.person.load(g.childIdcs),
    }),
    guardian: t.field({
      type: Person,
      ...GUARDIANSHIP,
      resolve: (g, _args, context) => context.loaders.person.load(g.guardianIdcs),
    }),
    since: t.expose("since", { type: "Date", ...GUARDIANSHIP }),
    until: t.expose("until", { type: "Date", ...GUARDIANSHIP }),
    sourceDocument: t.string({
      ...GUARDIANSHIP,
      description: "Reference of the judgment or act",
      resolve: (g) => g.endSourceDocument ?? g.sourceDocument,
    }),
  }),
});

export const DisabilityRef = builder.objectRef<Disability>("Disability").implement({
  description: "The disability last recognised for a person",
  fields: (t) => ({
    certifyingAuthority: t.exposeString("certifyingAuthority", DISABILITY),
    certifiedOn: t.expose("certifiedOn", { type: "Date", ...DISABILITY }),
    reviewOn: t.expose("reviewOn", { type: "Date", ...DISABILITY }),
    permanentIncapacity: t.exposeBoolean("permanentIncapacity", {
      ...DISABILITY,
      description: "Totally and permanently unable to work",
    }),
    diagnosis: t.exposeString("diagnosis", {
      ...needs(["civil:disability", "civil:disability-diagnosis"]),
      description: "Medical information: the registrar and the person only",
    }),
    recordedAt: t.expose("recordedAt", { type: "DateTime", ...DISABILITY }),
  }),
});

export const CivilStatusRecordRef = builder.objectRef<CivilStatusRecord>("CivilStatusRecord").implement({
  description: "One recorded version of a civil-status fact",
  fields: (t) => ({
    kind: t.exposeString("kind", {
      ...HISTORY,
      description:
        "MARRIAGE_RECORDED, MARRIAGE_ENDED, FILIATION_RECORDED, DISABILITY_RECOGNISED, GUARDIANSHIP_RECORDED or GUARDIANSHIP_ENDED",
    }),
    recordedAt: t.expose("recordedAt", { type: "DateTime", ...HISTORY }),
    recordedBy: t.exposeString("recordedBy", { ...HISTORY, description: "Agency and role, never a name" }),
    sourceDocument: t.exposeString("sourceDocument", HISTORY),
    summary: t.exposeString("summary", HISTORY),
  }),
});

type PersonRow = Prisma.PersonGetPayload<object>;

/** The registered persons among `idcs`, eldest first (same day: by IDCS). */
async function byBirth(idcs: readonly string[], context: Context): Promise<PersonRow[]> {
  const rows = await context.loaders.person.loadMany(idcs);
  return rows
    .filter((row): row is PersonRow => row !== null && !(row instanceof Error))
    .sort((a, b) => a.birthDate.getTime() - b.birthDate.getTime() || a.idcs.localeCompare(b.idcs));
}

async function marriagesOf(idcs: string, context: Context): Promise<Marriage[]> {
  const [asHusband, asWife] = await Promise.all([
    context.loaders.marriagesAsHusband.load(idcs),
    context.loaders.marriagesAsWife.load(idcs),
  ]);
  return [...asHusband, ...asWife].sort((a, b) => a.since.getTime() - b.since.getTime());
}

builder.prismaObjectFields(Person, (t) => ({
  maritalStatus: t.field({
    type: MaritalStatusEnum,
    ...MARITAL,
    resolve: async (person, _args, context) => maritalStatusOf(person, await marriagesOf(person.idcs, context)),
  }),
  marriages: t.field({
    // A husband has at most four in force; a few ended ones besides.
    listSize: { assumedSize: 4, requireOneSlicingArgument: false },
    type: [MarriageRef],
    ...MARITAL,
    description: "Every recorded marriage, in force or ended, oldest first",
    resolve: async (person, _args, context) =>
      (await marriagesOf(person.idcs, context)).map((marriage) => ({ marriage, of: person.idcs })),
  }),
  mother: t.field({
    type: Person,
    ...needs("civil:filiation"),
    resolve: async (person, _args, context) => {
      const filiation = await context.loaders.filiation.load(person.idcs);
      return filiation?.motherIdcs ? context.loaders.person.load(filiation.motherIdcs) : null;
    },
  }),
  father: t.field({
    type: Person,
    ...needs("civil:filiation"),
    resolve: async (person, _args, context) => {
      const filiation = await context.loaders.filiation.load(person.idcs);
      return filiation?.fatherIdcs ? context.loaders.person.load(filiation.fatherIdcs) : null;
    },
  }),
  children: t.field({
    // Rarely more than a dozen children by filiation.
    listSize: { assumedSize: 12, requireOneSlicingArgument: false },
    type: [Person],
    ...needs("civil:filiation"),
    description: "Children by filiation, deceased included, eldest first",
    resolve: async (person, _args, context) => {
      const [asMother, asFather] = await Promise.all([
        context.loaders.childrenOfMother.load(person.idcs),
        context.loaders.childrenOfFather.load(person.idcs),
      ]);
      return byBirth([...new Set([...asMother, ...asFather].map((f) => f.childIdcs))], context);
    },
  }),
  birthRank: t.int({
    ...needs("civil:filiation"),
    description:
      "Rank among the mother's children by birth date, deceased included, eldest 1 (same day: by IDCS); null when no mother is recorded",
    resolve: async (person, _args, context) => {
      const filiation = await context.loaders.filiation.load(person.idcs);
      if (!filiation?.motherIdcs) {
        return null;
      }
      const siblings = await context.loaders.childrenOfMother.load(filiation.motherIdcs);
      const births = await byBirth(
        siblings.map((s) => s.childIdcs),
        context,
      );
      return births.findIndex((c) => c.idcs === person.idcs) + 1 || null;
    },
  }),
  fatherless: t.boolean({
    ...needs("civil:fatherless"),
    description: "Whether the recorded father has died; null when no father is recorded",
    resolve: async (person, _args, context) => {
      const filiation = await context.loaders.filiation.load(person.idcs);
      if (!filiation?.fatherIdcs) {
        return null;
      }
      const father = await context.loaders.person.load(filiation.fatherIdcs);
      return father ? father.lifeStatus === "DECEASED" : null;
    },
  }),
  disabled: t.boolean({
    ...needs("civil:disability-status"),
    description: "A recognised disability in force today: certified, and its review date not passed",
    resolve: async (person, _args, context) => {
      const disability = await context.loaders.disability.load(person.idcs);
      return disability !== null && disabilityInForce(disability, today());
    },
  }),
  disability: t.field({
    type: DisabilityRef,
    ...DISABILITY,
    resolve: (person, _args, context) => context.loaders.disability.load(person.idcs),
  }),
  inCareOf: t.field({
    // A child is in the care of few guardians over their minority.
    listSize: { assumedSize: 4, requireOneSlicingArgument: false },
    type: [GuardianshipRef],
    ...GUARDIANSHIP,
    description: "Guardianships, custody and kafala of this person as the child, in force or ended",
    resolve: (person, _args, context) => context.loaders.guardianshipsAsChild.load(person.idcs),
  }),
  wards: t.field({
    // A guardian or an institution's kafil may hold several children.
    listSize: { assumedSize: 10, requireOneSlicingArgument: false },
    type: [GuardianshipRef],
    ...GUARDIANSHIP,
    description: "Guardianships, custody and kafala held by this person, in force or ended",
    resolve: (person, _args, context) => context.loaders.guardianshipsAsGuardian.load(person.idcs),
  }),
  civilStatusHistory: t.field({
    // Every version of every fact of one person: a few dozen at most.
    listSize: { assumedSize: 50, requireOneSlicingArgument: false },
    type: [CivilStatusRecordRef],
    ...HISTORY,
    description: "Every recorded version of this person's civil status, oldest first",
    resolve: (person, _args, context) => context.loaders.civilHistory.load(person.idcs),
  }),
}));
