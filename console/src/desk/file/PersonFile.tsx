import type { PersonFileFragment } from "../../generated/graphql.js";
import { CivilStatusSection } from "./CivilStatusSection.js";
import { CoverageSection } from "./CoverageSection.js";
import { DirectAidSection } from "./DirectAidSection.js";
import { EligibilitySection } from "./EligibilitySection.js";
import type { ExplainedRefusal } from "./explained-refusals.js";
import { HouseholdSection } from "./HouseholdSection.js";
import { IdentitySection } from "./IdentitySection.js";
import { NoticesSection } from "./NoticesSection.js";
import { lookupUnder } from "./refusal-at.js";
import { unavailableUnder } from "./unavailable.js";
import "./file.css";

/**
 * A person's file as the graph answers it, one section per register: identity (population),
 * household, index and eligibility (social register), health coverage, direct aid. Shared by the
 * desk and the citizen's page; `at` is where the person sits in the answer (refusals' paths).
 */
export function PersonFile({
  person,
  refusals,
  unavailable,
  at,
  contestHref,
}: {
  person: PersonFileFragment;
  refusals: readonly ExplainedRefusal[];
  /** Paths of the parts registers did not give in time (SUBGRAPH_UNAVAILABLE). */
  unavailable: readonly (readonly (string | number)[])[];
  at: readonly (string | number)[];
  /** Where on this page the caller may ask for an index revision (the citizen's page), if they may. */
  contestHref?: string | undefined;
}) {
  const refused = lookupUnder(refusals, at);
  const missing = unavailableUnder(unavailable, at);
  const household = person.household ?? null;
  return (
    <div className="person-file">
      <NoticesSection
        parts={[
          {
            programme: "AMO",
            notices: person.amoNotices,
            refusal: refused("amoNotices"),
            unavailable: missing("amoNotices"),
          },
          {
            programme: "DIRECT_AID",
            notices: person.aidNotices,
            refusal: refused("aidNotices"),
            unavailable: missing("aidNotices"),
          },
        ]}
        {...(contestHref ? { contestHref } : {})}
      />
      <IdentitySection person={person} refused={refused} />
      <CivilStatusSection person={person} refused={refused} />
      <HouseholdSection household={household} refused={refused} unavailable={missing("household")} />
      <EligibilitySection household={household} refused={refused} unavailable={missing("household")} />
      <CoverageSection person={person} refused={refused} unavailable={missing("healthCoverage")} />
      <DirectAidSection household={household} refused={refused} unavailable={missing("household", "directAid")} />
    </div>
  );
}
