import { useTranslation } from "react-i18next";
import type { PersonFileFragment } from "../../generated/graphql.js";
import { useFormats } from "../../ui/format.js";
import { Fact, Facts } from "./Fact.js";
import type { RefusalLookup } from "./refusal-at.js";
import { Section } from "./Section.js";

/** The health-insurance register's current coverage of this person, principal or dependant. */
export function CoverageSection({
  person,
  refused,
  unavailable,
}: {
  person: PersonFileFragment;
  refused: RefusalLookup;
  unavailable: boolean;
}) {
  const { t } = useTranslation("desk");
  const formats = useFormats();
  const coverage = person.healthCoverage;
  return (
    <Section
      unavailable={unavailable}
      title={t("file.coverage.title")}
      refusal={refused("healthCoverage")}
      testId="section-coverage"
    >
      {coverage ? (
        <Facts>
          <Fact label={t("file.coverage.regime")}>
            {coverage.regime ? t(`file.enums.regime.${coverage.regime}`) : null}
          </Fact>
          <Fact label={t("file.coverage.role")}>
            {coverage.role ? t(`file.enums.coverageRole.${coverage.role}`) : null}
          </Fact>
          <Fact label={t("file.coverage.payer")}>
            {coverage.payer ? t(`file.enums.payer.${coverage.payer}`) : null}
          </Fact>
          <Fact label={t("file.coverage.status")}>
            {coverage.status ? t(`file.enums.affiliationStatus.${coverage.status}`) : null}
          </Fact>
          <Fact label={t("file.coverage.since")}>{coverage.since ? formats.dateTime(coverage.since) : null}</Fact>
          {coverage.until ? <Fact label={t("file.coverage.until")}>{formats.dateTime(coverage.until)}</Fact> : null}
        </Facts>
      ) : (
        <p>{t("file.coverage.none")}</p>
      )}
    </Section>
  );
}
