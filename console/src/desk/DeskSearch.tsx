import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { useQuery } from "urql";
import { ConsoleDeskSearchDocument, type PersonFilter } from "../generated/graphql.js";
import { usePageTitle } from "../ui/use-page-title.js";
import { useCalendarDate } from "./file/dates.js";
import { SEARCH_MODES, type SearchMode, searchRequest } from "./search-query.js";

const PAGE = 20;

/** The results of a CIN or name search: the case worker's region only (the registers filter them). */
function Results({ filter }: { filter: PersonFilter }) {
  const { t } = useTranslation("desk");
  const date = useCalendarDate();
  const [after, setAfter] = useState<string | null>(null);
  const [{ data, fetching, error }] = useQuery({
    query: ConsoleDeskSearchDocument,
    variables: { filter, first: PAGE, after },
    // A search is asked once; its answer is recorded in the access log like any read.
    requestPolicy: "network-only",
  });
  if (fetching && !data) {
    return <p role="status">{t("person.loading")}</p>;
  }
  if (error && !data?.persons) {
    return (
      <p role="alert" className="error">
        {t("search.failed", { reason: error.graphQLErrors[0]?.message ?? error.message })}
      </p>
    );
  }
  const edges = data?.persons?.edges ?? [];
  return (
    <section aria-labelledby="desk-results" data-testid="search-results">
      <h2 id="desk-results">{t("search.results")}</h2>
      {edges.length === 0 ? (
        <p role="status">{t("search.none")}</p>
      ) : (
        <table className="data">
          <caption className="visually-hidden">{t("search.results")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("search.columns.name")}</th>
              <th scope="col">{t("search.columns.idcs")}</th>
              <th scope="col">{t("search.columns.cin")}</th>
              <th scope="col">{t("search.columns.birthDate")}</th>
              <th scope="col">{t("search.columns.commune")}</th>
            </tr>
          </thead>
          <tbody>
            {edges.map(({ node }) => {
              const name = [node?.firstName, node?.lastName].filter(Boolean).join(" ");
              return node?.idcs ? (
                <tr key={node.idcs}>
                  <th scope="row">
                    <Link to={`/desk/person/${node.idcs}`} aria-label={t("search.open", { name })}>
                      {name}
                    </Link>
                  </th>
                  <td>{node.idcs}</td>
                  <td>{node.cin ?? ""}</td>
                  <td>{node.birthDate ? date(node.birthDate) : ""}</td>
                  <td>{node.address?.commune ?? ""}</td>
                </tr>
              ) : null;
            })}
          </tbody>
        </table>
      )}
      {data?.persons?.pageInfo.hasNextPage && data.persons.pageInfo.endCursor ? (
        <button
          type="button"
          className="button button--quiet"
          onClick={() => setAfter(data.persons?.pageInfo.endCursor ?? null)}
        >
          {t("search.more")}
        </button>
      ) : null}
    </section>
  );
}

/** Find a person of one's region by IDCS (opens the file), CIN or the start of the name. */
export function DeskSearch() {
  const { t } = useTranslation("desk");
  usePageTitle(t("title"));
  const navigate = useNavigate();
  const ids = { input: useId(), hint: useId(), problem: useId() };
  const [mode, setMode] = useState<SearchMode>("idcs");
  const [typed, setTyped] = useState("");
  const [problem, setProblem] = useState(false);
  const [filter, setFilter] = useState<PersonFilter | null>(null);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const request = searchRequest(mode, typed);
    setProblem(request === null);
    if (!request) {
      return;
    }
    if (request.mode === "idcs") {
      navigate(`/desk/person/${request.idcs}`);
    } else {
      setFilter(request.mode === "cin" ? { cin: request.cin } : { namePrefix: request.namePrefix });
    }
  }

  return (
    <section aria-labelledby="desk-title">
      <h1 id="desk-title">{t("title")}</h1>
      <p>{t("intro")}</p>
      <form className="form desk-search" onSubmit={submit} noValidate>
        <fieldset className="field">
          <legend>{t("search.legend")}</legend>
          <div className="choices">
            {SEARCH_MODES.map((m) => (
              <label key={m} className="choice">
                <input
                  type="radio"
                  name="search-mode"
                  value={m}
                  checked={mode === m}
                  onChange={() => {
                    setMode(m);
                    setProblem(false);
                  }}
                />
                <span>{t(`search.by.${m}`)}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor={ids.input}>{t(`search.label.${mode}`)}</label>
          <input
            id={ids.input}
            name="search"
            autoComplete="off"
            spellCheck={false}
            inputMode={mode === "idcs" ? "numeric" : "text"}
            aria-describedby={problem ? `${ids.hint} ${ids.problem}` : ids.hint}
            aria-invalid={problem}
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
          />
          <p id={ids.hint} className="hint">
            {t(`search.hint.${mode}`)}
          </p>
          {problem ? (
            <p id={ids.problem} role="alert" className="error">
              {t(`search.invalid.${mode}`)}
            </p>
          ) : null}
        </div>
        <button type="submit" className="button">
          {t("search.submit")}
        </button>
      </form>
      {filter ? <Results key={JSON.stringify(filter)} filter={filter} /> : null}
    </section>
  );
}
