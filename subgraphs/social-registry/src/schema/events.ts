import { eventFeedSchema } from "@spx/runtime/events";
import { householdPersons } from "../access.js";
import { builder } from "./builder.js";

eventFeedSchema(builder, {
  typeName: "SocialRegistryEvent",
  fieldName: "socialRegistryEvents",
  description:
    "A fact of the social register other registers react to (an eligibility change, a household's members changed, a revision requested or decided)",
  types: "eligibility.changed, household.members-changed, …",
  subject: "The household the event is about",
  // Every event is about a household: its current members are served like any read of it.
  served: async (events, context) => {
    const households = [...new Set(events.map((e) => e.subject))];
    const members = await Promise.all(households.map((id) => householdPersons({ id }, context)));
    return members.flat();
  },
});
