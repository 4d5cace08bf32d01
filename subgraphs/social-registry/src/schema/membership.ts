import { needs } from "@spx/runtime/access";
import { NotFoundError } from "@spx/runtime/errors";
import { addMember, moveMember, registerHousehold, removeMember } from "../services/memberships.js";
import { builder } from "./builder.js";
import { Household, MilieuEnum, RelationshipEnum } from "./household.js";

const HouseholdMemberInput = builder.inputType("HouseholdMemberInput", {
  fields: (t) => ({
    idcs: t.id({ required: true }),
    relationship: t.field({ type: RelationshipEnum, required: true, description: "Relationship to the head" }),
  }),
});

const HouseholdAddressInput = builder.inputType("HouseholdAddressInput", {
  fields: (t) => ({
    regionCode: t.string({ required: true }),
    province: t.string({ required: true }),
    commune: t.string({ required: true }),
    milieu: t.field({ type: MilieuEnum, required: true }),
  }),
});

const RegisterHouseholdInput = builder.inputType("RegisterHouseholdInput", {
  fields: (t) => ({
    headIdcs: t.id({ required: true, description: "An adult, alive and registered in the population register" }),
    members: t.field({ type: [HouseholdMemberInput], required: true, description: "Everyone but the head" }),
    address: t.field({ type: HouseholdAddressInput, required: true }),
  }),
});

const HouseholdPayload = builder.objectRef<{ id: string }>("HouseholdPayload").implement({
  fields: (t) => ({
    household: t.field({
      type: Household,
      ...needs("social:register"),
      resolve: async ({ id }, _args, context) => {
        context.loaders.household.clear(id);
        context.loaders.members.clear(id);
        const household = await context.loaders.household.load(id);
        if (!household) {
          throw new NotFoundError("Household");
        }
        return household;
      },
    }),
  }),
});

builder.mutationFields((t) => ({
  registerHousehold: t.field({
    type: HouseholdPayload,
    ...needs("social:register"),
    description:
      "Registers a household around an adult head; every member must be alive in the population register (checked through the graph) and in no other household.",
    args: {
      input: t.arg({ type: RegisterHouseholdInput, required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: (_root, { input, idempotencyKey }, context) => registerHousehold(context, { input, idempotencyKey }),
  }),
  addHouseholdMember: t.field({
    type: HouseholdPayload,
    ...needs("social:register"),
    args: {
      householdId: t.arg.id({ required: true }),
      member: t.arg({ type: HouseholdMemberInput, required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) => addMember(context, args),
  }),
  removeHouseholdMember: t.field({
    type: HouseholdPayload,
    ...needs("social:register"),
    args: {
      householdId: t.arg.id({ required: true }),
      idcs: t.arg.id({ required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) => removeMember(context, args),
  }),
  moveHouseholdMember: t.field({
    type: HouseholdPayload,
    ...needs("social:register"),
    description: "Moves a member to another household in one transaction: never in two households, never in none.",
    args: {
      idcs: t.arg.id({ required: true }),
      toHouseholdId: t.arg.id({ required: true }),
      relationship: t.arg({ type: RelationshipEnum, required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) => moveMember(context, args),
  }),
}));
