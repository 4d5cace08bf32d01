import { HISTORY, HOUSEHOLD_MEMBERS, needs, PARTS } from "@spx/runtime/access";
import { assertHouseholdAllowed, requireHousehold } from "../access.js";
import type { MemberDetailInput as MemberDetail } from "../domain/declaration-rules.js";
import { DURABLE_GOODS, ENROLMENT_LEVELS, type Enrolment, INSTITUTION_TYPES } from "../domain/household-facts.js";
import type { ItemVerification } from "../domain/verification.js";
import { HouseholdNotFoundError } from "../errors.js";
import { declareLivingConditions } from "../services/declarations.js";
import { builder } from "./builder.js";
import { Household } from "./household.js";

const HousingTypeEnum = builder.enumType("HousingType", {
  values: ["MODERN_APARTMENT", "HOUSE", "TRADITIONAL_HOUSE", "RURAL_DWELLING", "SHANTY", "OTHER"] as const,
});
const OccupancyEnum = builder.enumType("Occupancy", { values: ["OWNER", "TENANT", "FREE_LODGING", "OTHER"] as const });
const SchoolingEnum = builder.enumType("Schooling", {
  description: "A level of schooling completed",
  values: ["NONE", "PRESCHOOL", "PRIMARY", "SECONDARY", "HIGHER"] as const,
});
const EnrolmentLevelEnum = builder.enumType("EnrolmentLevel", { values: ENROLMENT_LEVELS });
const InstitutionTypeEnum = builder.enumType("InstitutionType", { values: INSTITUTION_TYPES });
const OccupationEnum = builder.enumType("Occupation", {
  values: [
    "PUBLIC_EMPLOYEE",
    "PRIVATE_EMPLOYEE",
    "SELF_EMPLOYED",
    "FARMER",
    "UNEMPLOYED",
    "STUDENT",
    "RETIRED",
    "HOMEMAKER",
    "CHILD",
    "OTHER",
  ] as const,
});
const DurableGoodEnum = builder.enumType("DurableGood", { values: DURABLE_GOODS });
const VerificationStatusEnum = builder.enumType("VerificationStatus", {
  values: ["VERIFIED", "MISMATCH", "UNVERIFIED"] as const,
});
const VerifiedItemEnum = builder.enumType("VerifiedItem", {
  values: ["ELECTRICITY_SPENDING", "WATER_SPENDING", "CAR", "EMPLOYMENT"] as const,
});

const EnrolmentInput = builder.inputType("EnrolmentInput", {
  fields: (t) => ({
    level: t.field({ type: EnrolmentLevelEnum, required: true }),
    institutionType: t.field({ type: InstitutionTypeEnum, required: true }),
    schoolYear: t.string({ required: true, description: 'The current school year or the next, e.g. "2026-2027"' }),
  }),
});

const MemberDetailInput = builder.inputType("MemberDetailInput", {
  fields: (t) => ({
    idcs: t.id({ required: true }),
    attainment: t.field({
      type: SchoolingEnum,
      required: false,
      description: "Highest level of schooling completed (required, or its deprecated name schooling)",
    }),
    schooling: t.field({
      type: SchoolingEnum,
      required: false,
      deprecationReason: "Use attainment (the same value); current enrolment is declared as enrolment",
    }),
    occupation: t.field({ type: OccupationEnum, required: true }),
    enrolment: t.field({
      type: EnrolmentInput,
      required: false,
      description:
        "Where the member is enrolled in school or training this school year; null or absent when not enrolled",
    }),
  }),
});

export const LivingConditionsInput = builder.inputType("LivingConditionsInput", {
  fields: (t) => ({
    housingType: t.field({ type: HousingTypeEnum, required: true }),
    rooms: t.int({ required: true }),
    occupancy: t.field({ type: OccupancyEnum, required: true }),
    waterConnected: t.boolean({ required: true }),
    electricityConnected: t.boolean({ required: true }),
    electricitySpending: t.field({ type: "MadAmount", required: true, description: "Per month" }),
    waterSpending: t.field({ type: "MadAmount", required: true, description: "Per month" }),
    telephoneSpending: t.field({ type: "MadAmount", required: true, description: "Per month" }),
    gasSpending: t.field({ type: "MadAmount", required: true, description: "Per month" }),
    durableGoods: t.field({ type: [DurableGoodEnum], required: true }),
    livestockHeads: t.int({ required: false, defaultValue: 0 }),
    landHectares: t.float({ required: false, defaultValue: 0 }),
    members: t.field({ type: [MemberDetailInput], required: true, description: "Every current member once" }),
  }),
});

const ItemCheck = builder.objectRef<ItemVerification>("ItemVerification").implement({
  description: "How one declared item compares with an administrative source",
  fields: (t) => ({
    item: t.expose("item", { type: VerifiedItemEnum, ...needs("social:declaration") }),
    personIdcs: t.exposeID("personIdcs", needs("social:declaration")),
    declared: t.exposeString("declared", needs("social:declaration")),
    source: t.exposeString("source", needs("social:declaration")),
    sourceValue: t.exposeString("sourceValue", needs("social:declaration")),
    status: t.expose("status", { type: VerificationStatusEnum, ...needs("social:declaration") }),
  }),
});

const EnrolmentRef = builder.objectRef<Enrolment>("Enrolment").implement({
  description: "Current enrolment in school or training, as declared (what the programmes read; the index does not)",
  fields: (t) => ({
    level: t.expose("level", { type: EnrolmentLevelEnum, ...needs("social:composition", "social:declaration") }),
    institutionType: t.expose("institutionType", {
      type: InstitutionTypeEnum,
      ...needs("social:composition", "social:declaration"),
    }),
    schoolYear: t.exposeString("schoolYear", needs("social:composition", "social:declaration")),
  }),
});

const MemberDetailRef = builder.objectRef<MemberDetail>("MemberDetail").implement({
  fields: (t) => ({
    idcs: t.exposeID("idcs", needs("social:composition", "social:declaration")),
    attainment: t.expose("attainment", {
      type: SchoolingEnum,
      ...needs("social:composition", "social:declaration"),
      description: "Highest level of schooling completed (what the index reads)",
    }),
    schooling: t.expose("attainment", {
      type: SchoolingEnum,
      ...needs("social:composition", "social:declaration"),
      deprecationReason: "Use attainment (the same value); current enrolment is enrolment",
    }),
    occupation: t.expose("occupation", { type: OccupationEnum, ...needs("social:composition", "social:declaration") }),
    enrolment: t.field({
      type: EnrolmentRef,
      ...needs("social:composition", "social:declaration"),
      description: "Current enrolment in school or training; null when not enrolled",
      resolve: (m) => m.enrolment ?? null,
    }),
  }),
});

export const Declaration = builder.prismaObject("Declaration", {
  description: "Living conditions as declared by the household, one version per declaration",
  fields: (t) => ({
    version: t.exposeInt("version", needs("social:declaration")),
    declaredAt: t.expose("declaredAt", { type: "DateTime", ...needs("social:declaration") }),
    housingType: t.field({
      type: HousingTypeEnum,
      ...needs("social:declaration"),
      resolve: (d) => d.housingType as typeof HousingTypeEnum.$inferType,
    }),
    rooms: t.exposeInt("rooms", needs("social:declaration")),
    occupancy: t.field({
      type: OccupancyEnum,
      ...needs("social:declaration"),
      resolve: (d) => d.occupancy as typeof OccupancyEnum.$inferType,
    }),
    waterConnected: t.exposeBoolean("waterConnected", needs("social:declaration")),
    electricityConnected: t.exposeBoolean("electricityConnected", needs("social:declaration")),
    electricitySpending: t.expose("electricitySpending", { type: "MadAmount", ...needs("social:declaration") }),
    waterSpending: t.expose("waterSpending", { type: "MadAmount", ...needs("social:declaration") }),
    telephoneSpending: t.expose("telephoneSpending", { type: "MadAmount", ...needs("social:declaration") }),
    gasSpending: t.expose("gasSpending", { type: "MadAmount", ...needs("social:declaration") }),
    durableGoods: t.field({
      type: [DurableGoodEnum],
      ...needs("social:declaration"),
      resolve: (d) => d.durableGoods as (typeof DurableGoodEnum.$inferType)[],
    }),
    livestockHeads: t.exposeInt("livestockHeads", needs("social:declaration")),
    landHectares: t.float({ ...needs("social:declaration"), resolve: (d) => Number(d.landHectares) }),
    members: t.field({
      type: [MemberDetailRef],
      ...needs("social:composition", "social:declaration"),
      ...HOUSEHOLD_MEMBERS,
      resolve: (d) => d.memberDetails as unknown as MemberDetail[],
    }),
    verification: t.field({
      type: [ItemCheck],
      ...needs("social:declaration"),
      ...PARTS,
      resolve: (d) => d.verification as unknown as ItemVerification[],
    }),
  }),
});

builder.prismaObjectFields(Household, (t) => ({
  declaration: t.field({
    type: Declaration,
    ...needs("social:declaration", "social:composition"),
    description: "The latest declaration",
    resolve: (household, _args, context) => context.loaders.latestDeclaration.load(household.id),
  }),
  declarationHistory: t.field({
    type: [Declaration],
    ...needs("social:declaration"),
    ...HISTORY,
    description: "Every declaration, newest first",
    resolve: (household, _args, context) => context.loaders.declarations.load(household.id),
  }),
}));

const DeclarationPayload = builder.objectRef<{ id: string }>("DeclareLivingConditionsPayload").implement({
  fields: (t) => ({
    household: t.field({
      type: Household,
      ...needs("social:register"),
      resolve: async ({ id }, _args, context) => {
        for (const loader of [
          context.loaders.household,
          context.loaders.latestDeclaration,
          context.loaders.currentIndex,
          context.loaders.declarations,
          context.loaders.indexComputations,
        ]) {
          loader.clear(id);
        }
        const household = await context.loaders.household.load(id);
        if (!household) {
          throw new HouseholdNotFoundError();
        }
        return household;
      },
    }),
  }),
});

builder.mutationField("declareLivingConditions", (t) =>
  t.field({
    type: DeclarationPayload,
    ...needs("social:register"),
    description:
      "Records a new version of the household's living conditions, checks it against administrative sources and computes the socio-economic index, in one transaction.",
    args: {
      householdId: t.arg.id({ required: true }),
      input: t.arg({ type: LivingConditionsInput, required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, context) => {
      const household = await requireHousehold(context, args.householdId);
      await assertHouseholdAllowed(context, household);
      return declareLivingConditions(context, household, args);
    },
  }),
);
