import { eventFeedSchema, personsNamedIn } from "@spx/runtime/events";
import { builder } from "./builder.js";

eventFeedSchema(builder, {
  typeName: "PopulationEvent",
  fieldName: "populationEvents",
  description:
    "A fact of the population register other registers react to (a death, a birth, a marriage or its end, a recognised disability, a guardianship)",
  types: "person.died, person.born, marriage.recorded, …",
  subject: "The IDCS or record id the event is about",
  // The persons the events name are served like any read: in the access log.
  served: (events) => events.flatMap((e) => personsNamedIn(e.parsed)),
});
