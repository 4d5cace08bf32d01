import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { useQuery } from "urql";
import { ConsoleDeskPersonDocument } from "../generated/graphql.js";
import { usePageTitle } from "../ui/use-page-title.js";
import { explainedRefusals } from "./file/explained-refusals.js";
import { PersonFile } from "./file/PersonFile.js";
import { Refused } from "./file/Refused.js";
import { refusalAt } from "./file/refusal-at.js";
import { unavailablePlaces } from "./file/unavailable.js";
import { RevisionRequest } from "./RevisionRequest.js";

const IDCS = /^\d{10}$/;

/**
 * One person's file for a case worker. Someone of another region comes back from the registers as
 * refused, someone unknown as nothing: both are shown alike, so that the desk never tells whether a
 * person of another region exists.
 */
export function DeskPersonPage() {
  const { t } = useTranslation("desk");
  usePageTitle(t("title"));
  const idcs = useParams().idcs ?? "";
  const valid = IDCS.test(idcs);
  const [{ data, fetching, error }] = useQuery({
    query: ConsoleDeskPersonDocument,
    variables: { idcs },
    pause: !valid,
    // Every opening of a file is a read the access log records: never served from the cache alone.
    requestPolicy: "network-only",
  });
  const refusals = explainedRefusals(error);
  const refusedWhole = refusalAt(refusals, ["person"]);
  const person = data?.person;

  let body: ReactNode;
  if (!valid) {
    body = (
      <p role="alert" className="error">
        {t("person.badIdcs", { idcs })}
      </p>
    );
  } else if (fetching && !data) {
    body = <p role="status">{t("person.loading")}</p>;
  } else if (refusedWhole) {
    body = <Refused refusal={refusedWhole} />;
  } else if (person) {
    body = (
      <>
        <PersonFile person={person} refusals={refusals} unavailable={unavailablePlaces(error)} at={["person"]} />
        <RevisionRequest
          householdId={person.household?.id ?? null}
          refused={refusalAt(refusals, ["person", "household"])}
        />
      </>
    );
  } else if (unavailablePlaces(error).length > 0) {
    body = (
      <p role="alert" className="error" data-testid="unavailable">
        {t("file.unavailable")}
      </p>
    );
  } else if (
    error &&
    !error.graphQLErrors.some((e) => e.extensions?.code === "FORBIDDEN" || e.extensions?.code === "BAD_IDCS")
  ) {
    body = (
      <p role="alert" className="error">
        {t("person.failed", { reason: error.graphQLErrors[0]?.message ?? error.message })}
      </p>
    );
  } else {
    body = (
      <div role="status" data-testid="not-accessible">
        <h2>{t("person.notAccessibleTitle")}</h2>
        <p>{t("person.notAccessible", { idcs })}</p>
      </div>
    );
  }

  const name = person ? [person.firstName, person.lastName].filter(Boolean).join(" ") : "";
  return (
    <section aria-labelledby="desk-person-title">
      <Link to="/desk" className="desk-back">
        {t("person.back")}
      </Link>
      <h1 id="desk-person-title">
        {t("title")}
        {name ? ` — ${name}` : ""}
      </h1>
      {body}
    </section>
  );
}
