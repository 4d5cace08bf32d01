import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { useKindOfData } from "../desk/file/kinds-of-data.js";
import { ConsoleCitizenDataAccessDocument } from "../generated/graphql.js";
import { useFormats } from "../ui/format.js";
import { ProofDownload } from "./ProofDownload.js";

const PAGE = 10;

/** One page of the access log's entries about the citizen, newest first; the last page offers the next. */
function AccessPage({
  after,
  isLast,
  onMore,
}: {
  after: string | null;
  isLast: boolean;
  onMore: (cursor: string) => void;
}) {
  const { t } = useTranslation("citizen");
  const formats = useFormats();
  const kind = useKindOfData();
  const [{ data, fetching, error }] = useQuery({
    query: ConsoleCitizenDataAccessDocument,
    variables: { first: PAGE, after },
    requestPolicy: "network-only",
  });
  if (fetching && !data) {
    return (
      <tr>
        <td colSpan={5} role="status">
          {t("access.loading")}
        </td>
      </tr>
    );
  }
  if (error && !data?.myDataAccess) {
    return (
      <tr>
        <td colSpan={5} role="alert" className="error">
          {t("access.failed", { reason: error.graphQLErrors[0]?.message ?? error.message })}
        </td>
      </tr>
    );
  }
  const entries = data?.myDataAccess?.entries ?? [];
  const cursor = data?.myDataAccess?.endCursor ?? null;
  return (
    <>
      {after === null && entries.length === 0 ? (
        <tr>
          <td colSpan={5}>{t("access.none")}</td>
        </tr>
      ) : null}
      {entries.map((entry, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: entries have no id of their own for the citizen
        <tr key={`${entry.at}-${i}`} data-testid="data-access">
          <td>{entry.at ? formats.dateTime(entry.at) : ""}</td>
          <th scope="row">
            {entry.agencyName ?? entry.agency} {entry.agency ? <span className="muted">({entry.agency})</span> : null}
          </th>
          <td>
            <strong>{entry.purpose}</strong>
            {entry.purposeDescription ? (
              <>
                {" "}
                — <span lang="en">{entry.purposeDescription}</span>
              </>
            ) : null}
          </td>
          <td>{(entry.kindsOfData ?? []).map(kind).join(", ")}</td>
          <td>
            <ProofDownload proof={entry.proof} />
          </td>
        </tr>
      ))}
      {isLast && cursor ? (
        <tr>
          <td colSpan={5}>
            <button type="button" className="button button--quiet" onClick={() => onMore(cursor)}>
              {t("access.more")}
            </button>
          </td>
        </tr>
      ) : null}
    </>
  );
}

/**
 * "Who read my data": agency, when, for what purpose, which kinds of data (never the official),
 * and each entry's proof that the log holds it.
 */
export function DataAccessList() {
  const { t } = useTranslation("citizen");
  const id = useId();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return (
    <section className="file-section" aria-labelledby={id} data-testid="section-access">
      <h2 id={id}>{t("access.title")}</h2>
      <p>{t("access.intro")}</p>
      <p>{t("access.proofIntro")}</p>
      <table className="data">
        <caption className="visually-hidden">{t("access.title")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("access.at")}</th>
            <th scope="col">{t("access.agency")}</th>
            <th scope="col">{t("access.purpose")}</th>
            <th scope="col">{t("access.kinds")}</th>
            <th scope="col">{t("access.proof")}</th>
          </tr>
        </thead>
        <tbody>
          {cursors.map((after, i) => (
            <AccessPage
              key={after ?? "first"}
              after={after}
              isLast={i === cursors.length - 1}
              onMore={(cursor) => setCursors((list) => [...list, cursor])}
            />
          ))}
        </tbody>
      </table>
    </section>
  );
}
