import { HOUSEHOLD_MEMBERS, needs, rowAllowed, rowPolicy } from "@spx/runtime/access";
import { isUuid } from "@spx/runtime/database";
import { ForbiddenError, ValidationError } from "@spx/runtime/errors";
import type { Household as HouseholdRow, Membership } from "../../generated/prisma/index.js";
import { HOUSEHOLD_ROWS, householdFacts, householdPersons } from "../access.js";
import type { Context } from "../context.js";
import { RELATIONSHIPS } from "../domain/household-rules.js";
import { builder } from "./builder.js";

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
    relationship: t.expose("relationship", {
      type: RelationshipEnum,
      ...needs("social:composition"),
      description: "Relationship to the head",
    }),
    since: t.expose("since", { type: "DateTime", ...needs("social:composition") }),
    person: t.field({
      type: PersonRef,
      ...needs("social:composition"),
      resolve: (membership) => ({ idcs: membership.personIdcs }),
    }),
  }),
});

export const Household = builder.prismaObject("Household", {
  description: "A household of the Unified Social Register (RSU)",
  ...rowPolicy<HouseholdRow, Context>([...HOUSEHOLD_ROWS], householdFacts, householdPersons),
  fields: (t) => ({
    // The federation key the other registers join on.
    id: t.exposeID("id", needs("social:composition", "social:eligibility", "aid:enrolment", "aid:payments")),
    regionCode: t.exposeString("regionCode", {
      ...needs("social:composition"),
      description: "Official region code, 01 to 12",
    }),
    province: t.exposeString("province", needs("social:composition")),
    commune: t.exposeString("commune", needs("social:composition")),
    milieu: t.expose("milieu", { type: MilieuEnum, ...needs("social:composition") }),
    status: t.expose("status", { type: HouseholdStatusEnum, ...needs("social:composition") }),
    registeredAt: t.expose("registeredAt", { type: "DateTime", ...needs("social:composition") }),
    size: t.int({
      ...needs("social:composition"),
      resolve: async (household, _args, context) => (await context.loaders.members.load(household.id)).length,
    }),
  }),
});

// Fields that refer back to types defined above are added once all of them exist.
builder.objectField(PersonRef, "household", (t) =>
  t.field({
    type: Household,
    ...needs("social:composition", "social:eligibility"),
    description: "The household this person belongs to now, if any",
    resolve: async ({ idcs }, _args, context) => {
      const membership = await context.loaders.membershipOfPerson.load(idcs);
      return membership ? context.loaders.household.load(membership.householdId) : null;
    },
  }),
);

/**
 * The members this caller may see. Whoever reads a household nationwide or in their region sees
 * every member; a citizen reads the household as their own (`self`) and sees only themselves: each
 * other member is null as a whole with FORBIDDEN at its place in the list. Refusing only the
 * member's person instead would still hand over the IDCS, as the federation key that the
 * population register's refusal comes back beside.
 */
function visibleMembers(
  household: HouseholdRow,
  members: Membership[],
  context: Context,
): (Membership | ForbiddenError)[] {
  if (rowAllowed(context, ["sameRegion"], { region: household.regionCode }) === true) {
    return members;
  }
  return members.map((m) => (m.personIdcs === context.caller.idcs ? m : new ForbiddenError("Not allowed")));
}

builder.prismaObjectField(Household, "members", (t) =>
  t.field({
    type: [HouseholdMember],
    ...needs("social:composition"),
    nullable: { list: true, items: true },
    ...HOUSEHOLD_MEMBERS,
    description: "Current members, the head first; null for a member the caller may not see (with FORBIDDEN)",
    resolve: async (household, _args, context) => {
      const members = await context.loaders.members.load(household.id);
      const ordered = [...members].sort(
        (a, b) => Number(b.relationship === "HEAD") - Number(a.relationship === "HEAD"),
      );
      // graphql-js answers an Error in an item's place as null plus that error at the item's path.
      return visibleMembers(household, ordered, context) as Membership[];
    },
  }),
);

builder.asEntity(Household, {
  key: builder.selection<{ id: string }>("id"),
  resolveReference: ({ id }, context) => (isUuid(id) ? context.loaders.household.load(id) : null),
});

builder.queryField("household", (t) =>
  t.field({
    type: Household,
    ...needs("social:composition", "social:eligibility"),
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => (isUuid(id) ? context.loaders.household.load(id) : null),
  }),
);

builder.queryField("households", (t) =>
  t.field({
    type: [Household],
    // Unknown ids and refused rows are null items; the list itself is null only when refused.
    ...needs("social:composition", "social:eligibility"),
    nullable: { list: true, items: true },
    description: "Households by id, in the order asked (null where unknown); at most 500 at a time",
    // One element per id asked: the gateway sizes the list by the length of `ids`, up to this.
    listSize: { assumedSize: 500, requireOneSlicingArgument: false },
    args: { ids: t.arg.idList({ required: true }) },
    resolve: async (_root, { ids }, context) => {
      if (ids.length > 500) {
        throw new ValidationError([{ field: "ids", message: "at most 500 households per request" }]);
      }
      return Promise.all(ids.map((id) => (isUuid(id) ? context.loaders.household.load(id) : null)));
    },
  }),
);
