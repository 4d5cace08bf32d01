import { useTranslation } from "react-i18next";
import type { ExplanationFragment, PersonFileFragment } from "../../generated/graphql.js";
import { useFormats } from "../../ui/format.js";
import { Fact, Facts } from "./Fact.js";
import type { RefusalLookup } from "./refusal-at.js";
import { Section } from "./Section.js";

type Household = NonNullable<PersonFileFragment["household"]>;

/** The register's own words (an explanation's summary, its factors) are English: said so to screen readers. */
const REGISTER_LANGUAGE = "en";

function Explanation({
  explanation,
  refusalOf,
}: {
  explanation: ExplanationFragment | null;
  refusalOf: RefusalLookup;
}) {
  const { t } = useTranslation("desk");
  const formats = useFormats();
  if (!explanation) {
    return null;
  }
  const program = explanation.program ? t(`file.enums.program.${explanation.program}`) : "";
  return (
    <div className="explanation" data-testid={`explanation-${explanation.program ?? ""}`}>
      <h3>{t("file.index.explanation", { program })}</h3>
      {refusalOf("summary") ? (
        <Facts>
          <Fact label={program} refusal={refusalOf("summary")} />
        </Facts>
      ) : (
        <p lang={REGISTER_LANGUAGE}>{explanation.summary}</p>
      )}
      {explanation.distance ? (
        <p>{t("file.index.distance", { distance: formats.decimal(explanation.distance, 7) })}</p>
      ) : null}
      {explanation.factors && explanation.factors.length > 0 ? (
        <table className="data">
          <caption>{t("file.index.factors")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("file.index.factor")}</th>
              <th scope="col">{t("file.index.contribution")}</th>
              <th scope="col">{t("file.index.direction")}</th>
            </tr>
          </thead>
          <tbody>
            {explanation.factors.map((factor) => (
              <tr key={factor.label}>
                <th scope="row" lang={REGISTER_LANGUAGE}>
                  {factor.label}
                </th>
                <td className="number">
                  {factor.contribution === null ? "" : formats.decimal(factor.contribution, 3)}
                </td>
                <td>
                  {factor.direction === "RAISES" || factor.direction === "LOWERS"
                    ? t(`file.index.directions.${factor.direction}`)
                    : factor.direction}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

/** The index in force, each programme's yes/no with its threshold, and why, in the register's words. */
export function EligibilitySection({
  household,
  refused,
  unavailable,
}: {
  household: Household | null;
  refused: RefusalLookup;
  unavailable: boolean;
}) {
  const { t } = useTranslation("desk");
  const formats = useFormats();
  const index = household?.socioEconomicIndex;
  // One refusal holds for every programme's row: said once under the table, its column left out.
  const scoreUsedRefused = refused("household", "eligibility", 0, "scoreUsed");
  return (
    <Section
      unavailable={unavailable}
      title={t("file.index.title")}
      refusal={refused("household")}
      testId="section-eligibility"
    >
      {household ? (
        <>
          <Facts>
            <Fact label={t("file.index.score")} refusal={refused("household", "socioEconomicIndex")}>
              {index?.score
                ? t("file.index.scoreValue", {
                    score: formats.decimal(index.score, 7),
                    model: index.modelVersion ?? "",
                    date: index.computedAt ? formats.dateTime(index.computedAt) : "",
                  })
                : t("file.index.none")}
            </Fact>
          </Facts>
          {refused("household", "eligibility") ? (
            <Facts>
              <Fact label={t("file.index.eligibility")} refusal={refused("household", "eligibility")} />
            </Facts>
          ) : (
            <table className="data">
              <caption>{t("file.index.eligibility")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("file.index.program")}</th>
                  <th scope="col">{t("file.index.eligible")}</th>
                  <th scope="col">{t("file.index.threshold")}</th>
                  {scoreUsedRefused ? null : <th scope="col">{t("file.index.scoreUsed")}</th>}
                </tr>
              </thead>
              <tbody>
                {(household.eligibility ?? []).map((row, i) => (
                  <tr key={row.program ?? i}>
                    <th scope="row">{row.program ? t(`file.enums.program.${row.program}`) : ""}</th>
                    <td>{row.eligible === null ? "" : row.eligible ? t("file.yes") : t("file.no")}</td>
                    <td className="number">{row.threshold ? formats.decimal(row.threshold, 7) : ""}</td>
                    {scoreUsedRefused ? null : (
                      <td className="number">{row.scoreUsed ? formats.decimal(row.scoreUsed, 7) : ""}</td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {scoreUsedRefused ? (
            <Facts>
              <Fact label={t("file.index.scoreUsed")} refusal={scoreUsedRefused} />
            </Facts>
          ) : null}
          {refused("household", "explanationAmo") ? (
            <Facts>
              <Fact
                label={t("file.index.explanation", { program: t("file.enums.program.AMO_TADAMON") })}
                refusal={refused("household", "explanationAmo")}
              />
            </Facts>
          ) : (
            <Explanation
              explanation={household.explanationAmo ?? null}
              refusalOf={(...p) => refused("household", "explanationAmo", ...p)}
            />
          )}
          {refused("household", "explanationAid") ? (
            <Facts>
              <Fact
                label={t("file.index.explanation", { program: t("file.enums.program.DIRECT_AID") })}
                refusal={refused("household", "explanationAid")}
              />
            </Facts>
          ) : (
            <Explanation
              explanation={household.explanationAid ?? null}
              refusalOf={(...p) => refused("household", "explanationAid", ...p)}
            />
          )}
        </>
      ) : (
        <p>{t("file.household.none")}</p>
      )}
    </Section>
  );
}
