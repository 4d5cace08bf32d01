import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { explainedRefusals } from "../desk/file/explained-refusals.js";
import { PersonFile } from "../desk/file/PersonFile.js";
import { refusalAt } from "../desk/file/refusal-at.js";
import { unavailablePlaces } from "../desk/file/unavailable.js";
import { RevisionRequest } from "../desk/RevisionRequest.js";
import { ConsoleCitizenFileDocument } from "../generated/graphql.js";
import { useSignedIn } from "../session/SessionProvider.js";
import { usePageTitle } from "../ui/use-page-title.js";
import { AttestationDownload } from "./AttestationDownload.js";
import { DataAccessList } from "./DataAccessList.js";

/** The citizen's own file (CITIZEN grant: their person and household), who read it, an attestation. */
export default function CitizenPage() {
  const { t } = useTranslation("citizen");
  usePageTitle(t("title"));
  const { caller } = useSignedIn();
  const idcs = caller.idcs ?? "";
  // A notice is contested by asking for a revision of the household's index, when the grant may.
  const mayRequestRevision = caller.scopes.includes("social:request-revision");
  const [{ data, fetching, error }] = useQuery({
    query: ConsoleCitizenFileDocument,
    variables: { idcs },
    pause: !idcs,
    requestPolicy: "network-only",
  });
  const person = data?.person;
  const refusals = explainedRefusals(error);
  const householdId = person?.household?.id ?? null;
  const contestHref = mayRequestRevision && householdId ? "#revision" : undefined;
  return (
    <section aria-labelledby="citizen-title">
      <h1 id="citizen-title">{t("title")}</h1>
      <p>{t("intro")}</p>
      {fetching && !data ? (
        <p role="status">{t("loading")}</p>
      ) : person ? (
        <>
          <PersonFile
            person={person}
            refusals={refusals}
            unavailable={unavailablePlaces(error)}
            at={["person"]}
            contestHref={contestHref}
          />
          {contestHref ? (
            <RevisionRequest
              householdId={householdId}
              refused={refusalAt(refusals, ["person", "household"])}
              asCitizen
              anchor="revision"
            />
          ) : null}
        </>
      ) : error ? (
        <p role="alert" className="error">
          {t("failed", { reason: error.graphQLErrors[0]?.message ?? error.message })}
        </p>
      ) : (
        <p role="status">{t("missing")}</p>
      )}
      <DataAccessList />
      {idcs ? <AttestationDownload idcs={idcs} /> : null}
    </section>
  );
}
