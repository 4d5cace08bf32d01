import { useTranslation } from "react-i18next";
import type { PersonFileFragment, RelativeFragment } from "../../generated/graphql.js";
import { useCalendarDate } from "./dates.js";
import { Fact, Facts } from "./Fact.js";
import type { RefusalLookup } from "./refusal-at.js";
import { Section } from "./Section.js";

/** Another person of the register as the file names them: name and IDCS (a refused name is left out). */
function relative(person: RelativeFragment | null | undefined): string | null {
  if (!person) {
    return null;
  }
  const name = [person.firstName, person.lastName].filter(Boolean).join(" ");
  return name ? `${name} (${person.idcs ?? ""})` : (person.idcs ?? null);
}

/**
 * The population register's civil status: marital status and marriages, parents, fatherless,
 * disability, guardianship, custody and kafala. Each fact is under its own scope: what the grant
 * does not hold is shown refused with the reason, so that a case worker sees "disabled: yes" and
 * why the disability's details are not theirs to read (the diagnosis is the person's alone).
 */
export function CivilStatusSection({ person, refused }: { person: PersonFileFragment; refused: RefusalLookup }) {
  const { t } = useTranslation("desk");
  const date = useCalendarDate();
  const yesNo = (value: boolean | null | undefined) =>
    value === null || value === undefined ? null : value ? t("file.yes") : t("file.no");
  const marriages = person.marriages ?? [];
  const inCareOf = person.inCareOf ?? [];
  const wards = person.wards ?? [];
  const disability = person.disability;
  return (
    <Section title={t("file.civil.title")} testId="section-civil">
      <Facts>
        <Fact label={t("file.civil.maritalStatus")} refusal={refused("maritalStatus")}>
          {person.maritalStatus ? t(`file.enums.maritalStatus.${person.maritalStatus}`) : null}
        </Fact>
        <Fact label={t("file.civil.marriages")} refusal={refused("marriages")}>
          {person.marriages ? (
            marriages.length > 0 ? (
              <ul className="plain" data-testid="marriages">
                {marriages.map((marriage, i) => (
                  <li key={marriage.id ?? i}>
                    {t("file.civil.marriage", {
                      spouse: relative(marriage.spouse) ?? t("file.notShown"),
                      since: marriage.since ? date(marriage.since) : "",
                    })}
                    {marriage.endedOn
                      ? ` ${t("file.civil.marriageEnded", {
                          date: date(marriage.endedOn),
                          reason: marriage.endReason ? t(`file.enums.marriageEndReason.${marriage.endReason}`) : "",
                        })}`
                      : ` ${t("file.civil.marriageInForce")}`}
                  </li>
                ))}
              </ul>
            ) : (
              t("file.civil.noMarriage")
            )
          ) : null}
        </Fact>
        <Fact label={t("file.civil.mother")} refusal={refused("mother")}>
          {relative(person.mother)}
        </Fact>
        <Fact label={t("file.civil.father")} refusal={refused("father")}>
          {relative(person.father)}
        </Fact>
        <Fact label={t("file.civil.fatherless")} refusal={refused("fatherless")}>
          {yesNo(person.fatherless)}
        </Fact>
        <Fact label={t("file.civil.disabled")} refusal={refused("disabled")}>
          {yesNo(person.disabled)}
        </Fact>
        <Fact label={t("file.civil.disabilityDetails")} refusal={refused("disability")}>
          {disability
            ? [
                disability.certifiedOn ? t("file.civil.certifiedOn", { date: date(disability.certifiedOn) }) : null,
                disability.reviewOn
                  ? t("file.civil.reviewOn", { date: date(disability.reviewOn) })
                  : t("file.civil.noReview"),
                disability.permanentIncapacity ? t("file.civil.permanentIncapacity") : null,
              ]
                .filter(Boolean)
                .join(" ; ")
            : person.disabled === false
              ? t("file.civil.noDisability")
              : null}
        </Fact>
        {disability && !refused("disability") ? (
          <Fact label={t("file.civil.diagnosis")} refusal={refused("disability", "diagnosis")}>
            {disability.diagnosis}
          </Fact>
        ) : null}
        <Fact label={t("file.civil.inCareOf")} refusal={refused("inCareOf")}>
          {person.inCareOf ? (
            inCareOf.length > 0 ? (
              <ul className="plain" data-testid="in-care-of">
                {inCareOf.map((g, i) => (
                  <li key={g.id ?? i}>
                    {t("file.civil.guardianship", {
                      kind: g.kind ? t(`file.enums.guardianshipKind.${g.kind}`) : "",
                      person: relative(g.guardian) ?? t("file.notShown"),
                      since: g.since ? date(g.since) : "",
                    })}
                    {g.until ? ` ${t("file.civil.until", { date: date(g.until) })}` : ""}
                  </li>
                ))}
              </ul>
            ) : (
              t("file.civil.noGuardianship")
            )
          ) : null}
        </Fact>
        <Fact label={t("file.civil.wards")} refusal={refused("wards")}>
          {person.wards ? (
            wards.length > 0 ? (
              <ul className="plain" data-testid="wards">
                {wards.map((g, i) => (
                  <li key={g.id ?? i}>
                    {t("file.civil.guardianship", {
                      kind: g.kind ? t(`file.enums.guardianshipKind.${g.kind}`) : "",
                      person: relative(g.child) ?? t("file.notShown"),
                      since: g.since ? date(g.since) : "",
                    })}
                    {g.until ? ` ${t("file.civil.until", { date: date(g.until) })}` : ""}
                  </li>
                ))}
              </ul>
            ) : (
              t("file.civil.noWards")
            )
          ) : null}
        </Fact>
      </Facts>
    </Section>
  );
}
