import { ValidationError } from "@spx/runtime/errors";
import { builder } from "../builder.js";
import { RELATIONSHIPS } from "../domain/household-rules.js";
import { HouseholdNotFoundError } from "../errors.js";

export const RelationshipEnum = builder.enumType("Relationship", { values: RELATIONSHIPS });
export const MilieuEnum = builder.enumType("Milieu", { values: ["URBAN", "RURAL"] as const });
const HouseholdStatusEnum = builder.enumType("HouseholdStatus", { values: ["ACTIVE", "DISSOLVED"] as const });

/** The population register's Person, extended here with the household it belongs to. */
const PersonRef = builder.externalRef("Person", builder.selection<{ idcs: string }>("idcs")).implement({
  externalFields: (t) => ({ idcs: t.id() }),
});

export const HouseholdMember = builder.prismaObject("Membership", {
  name: "HouseholdMember",
  fields: (t) => ({
    relationship: t.expose("relationship", { type: RelationshipEnum, description: "Relationship to the head" }),
    since: t.expose("since", { type: "DateTime" }),
    person: t.field({ type: PersonRef, resolve: (membership) => ({ idcs: membership.personIdcs }) }),
  }),
});

export const Household = builder.prismaObject("Household", {
  description: "A household of the Unified Social Register (RSU)",
  fields: (t) => ({
    id: t.exposeID("id"),
    regionCode: t.exposeString("regionCode", { description: "Official region code, 01 to 12" }),
    province: t.exposeString("province"),
    commune: t.exposeString("commune"),
    milieu: t.expose("milieu", { type: MilieuEnum }),
    status: t.expose("status", { type: HouseholdStatusEnum }),
    registeredAt: t.expose("registeredAt", { type: "DateTime" }),
    size: t.int({
      resolve: async (household, _args, context) => (await context.loaders.members.load(household.id)).length,
    }),
  }),
});

// Fields that refer back to types defined above are added once all of them exist.
builder.objectField(PersonRef, "household", (t) =>
  t.field({
    type: Household,
    nullable: true,
    description: "The household this person belongs to now, if any",
    resolve: async ({ idcs }, _args, context) => {
      const membership = await context.loaders.membershipOfPerson.load(idcs);
      return membership ? context.loaders.household.load(membership.householdId) : null;
    },
  }),
);

builder.prismaObjectField(Household, "members", (t) =>
  t.field({
    type: [HouseholdMember],
    description: "Current members, the head first",
    resolve: async (household, _args, context) => {
      const members = await context.loaders.members.load(household.id);
      return [...members].sort((a, b) => Number(b.relationship === "HEAD") - Number(a.relationship === "HEAD"));
    },
  }),
);

builder.asEntity(Household, {
  key: builder.selection<{ id: string }>("id"),
  resolveReference: ({ id }, context) => context.loaders.household.load(id),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Loads a household by id, refusing malformed ids and unknown households alike with NOT_FOUND. */
export async function requireHousehold(
  context: { loaders: { household: { load(id: string): Promise<unknown> } } },
  id: string,
) {
  const household = UUID.test(id) ? await context.loaders.household.load(id) : null;
  if (!household) {
    throw new HouseholdNotFoundError();
  }
  return household;
}

builder.queryField("household", (t) =>
  t.field({
    type: Household,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => (UUID.test(id) ? context.loaders.household.load(id) : null),
  }),
);

builder.queryField("households", (t) =>
  t.field({
    type: [Household],
    nullable: { list: false, items: true },
    description: "Households by id, in the order asked (null where unknown); at most 500 at a time",
    args: { ids: t.arg.idList({ required: true }) },
    resolve: async (_root, { ids }, context) => {
      if (ids.length > 500) {
        throw new ValidationError([{ field: "ids", message: "at most 500 households per request" }]);
      }
      return Promise.all(ids.map((id) => (UUID.test(id) ? context.loaders.household.load(id) : null)));
    },
  }),
);
