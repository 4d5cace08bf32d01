import { useTranslation } from "react-i18next";
import { useConsoleConfig } from "../../app/ConfigProvider.js";
import type { PersonFileFragment } from "../../generated/graphql.js";
import { regionLabel } from "../../ui/caller-labels.js";
import { useFormats } from "../../ui/format.js";
import { useCalendarDate } from "./dates.js";
import { Fact, Facts } from "./Fact.js";
import type { RefusalLookup } from "./refusal-at.js";
import { Section } from "./Section.js";

type Household = NonNullable<PersonFileFragment["household"]>;

/** The social register's household: where, who, since when. A member the caller may not see is said so. */
export function HouseholdSection({
  household,
  refused,
  unavailable,
}: {
  household: Household | null;
  refused: RefusalLookup;
  unavailable: boolean;
}) {
  const { t } = useTranslation("desk");
  const date = useCalendarDate();
  const formats = useFormats();
  const { regions } = useConsoleConfig();
  return (
    <Section
      unavailable={unavailable}
      title={t("file.household.title")}
      refusal={refused("household")}
      testId="section-household"
    >
      {household ? (
        <>
          <Facts>
            <Fact label={t("file.household.place")} refusal={refused("household", "commune")}>
              {[
                household.commune,
                household.province,
                regionLabel(regions, household.regionCode),
                household.milieu && t(`file.enums.milieu.${household.milieu}`),
              ]
                .filter(Boolean)
                .join(", ")}
            </Fact>
            <Fact label={t("file.household.status")} refusal={refused("household", "status")}>
              {household.status ? t(`file.enums.householdStatus.${household.status}`) : null}
            </Fact>
            <Fact label={t("file.household.size")} refusal={refused("household", "size")}>
              {household.size === null ? null : formats.count(household.size)}
            </Fact>
          </Facts>
          <h3>{t("file.household.members")}</h3>
          {refused("household", "members") ? (
            <Facts>
              <Fact label={t("file.household.members")} refusal={refused("household", "members")} />
            </Facts>
          ) : (
            <table className="data">
              <caption className="visually-hidden">{t("file.household.members")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("file.household.memberName")}</th>
                  <th scope="col">{t("file.household.relationship")}</th>
                  <th scope="col">{t("file.household.memberBirthDate")}</th>
                  <th scope="col">{t("file.household.memberSince")}</th>
                </tr>
              </thead>
              <tbody>
                {(household.members ?? []).map((member, index) =>
                  member?.person ? (
                    <tr key={member.person.idcs ?? index}>
                      <th scope="row">
                        {[member.person.firstName, member.person.lastName].filter(Boolean).join(" ")}
                        {member.person.idcs ? <span className="muted"> · {member.person.idcs}</span> : null}
                      </th>
                      <td>{member.relationship ? t(`file.enums.relationship.${member.relationship}`) : ""}</td>
                      <td>{member.person.birthDate ? date(member.person.birthDate) : ""}</td>
                      <td>{member.since ? formats.dateTime(member.since) : ""}</td>
                    </tr>
                  ) : (
                    // A member whose row the caller may not read (another person, for a citizen).
                    // biome-ignore lint/suspicious/noArrayIndexKey: such a member has nothing else to be known by
                    <tr key={`hidden-${index}`}>
                      <td colSpan={4} className="muted">
                        {member?.relationship ? `${t(`file.enums.relationship.${member.relationship}`)} — ` : ""}
                        {t("file.otherMember")}
                      </td>
                    </tr>
                  ),
                )}
              </tbody>
            </table>
          )}
        </>
      ) : (
        <p>{t("file.household.none")}</p>
      )}
    </Section>
  );
}
