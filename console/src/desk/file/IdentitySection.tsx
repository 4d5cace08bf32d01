import { useTranslation } from "react-i18next";
import { useConsoleConfig } from "../../app/ConfigProvider.js";
import type { PersonFileFragment } from "../../generated/graphql.js";
import { regionLabel } from "../../ui/caller-labels.js";
import { useFormats } from "../../ui/format.js";
import { useCalendarDate } from "./dates.js";
import { Fact, Facts } from "./Fact.js";
import type { RefusalLookup } from "./refusal-at.js";
import { Section } from "./Section.js";

/** What the population register holds: identity, address, registration, legal representative. */
export function IdentitySection({ person, refused }: { person: PersonFileFragment; refused: RefusalLookup }) {
  const { t } = useTranslation("desk");
  const date = useCalendarDate();
  const formats = useFormats();
  const { regions } = useConsoleConfig();
  const address = person.address;
  return (
    <Section title={t("file.identity.title")} testId="section-identity">
      <Facts>
        <Fact label={t("file.identity.idcs")} refusal={refused("idcs")}>
          {person.idcs}
        </Fact>
        <Fact label={t("file.identity.cin")} refusal={refused("cin")}>
          {person.cin}
        </Fact>
        <Fact label={t("file.identity.name")} refusal={refused("lastName")}>
          {[person.firstName, person.lastName].filter(Boolean).join(" ")}
        </Fact>
        <Fact label={t("file.identity.nameAr")} refusal={refused("lastNameAr")}>
          {person.firstNameAr || person.lastNameAr ? (
            <span lang="ar" dir="rtl">
              {[person.firstNameAr, person.lastNameAr].filter(Boolean).join(" ")}
            </span>
          ) : null}
        </Fact>
        <Fact label={t("file.identity.sex")} refusal={refused("sex")}>
          {person.sex ? t(`file.enums.sex.${person.sex}`) : null}
        </Fact>
        <Fact label={t("file.identity.birthDate")} refusal={refused("birthDate")}>
          {person.birthDate ? date(person.birthDate) : null}
        </Fact>
        <Fact label={t("file.identity.birthPlace")} refusal={refused("birthPlace")}>
          {person.birthPlace}
        </Fact>
        <Fact label={t("file.identity.nationality")} refusal={refused("nationality")}>
          {person.nationality}
        </Fact>
        <Fact label={t("file.identity.residencyStatus")} refusal={refused("residencyStatus")}>
          {person.residencyStatus ? t(`file.enums.residencyStatus.${person.residencyStatus}`) : null}
        </Fact>
        <Fact label={t("file.identity.lifeStatus")} refusal={refused("lifeStatus")}>
          {person.lifeStatus
            ? t(`file.enums.lifeStatus.${person.lifeStatus}`) +
              (person.dateOfDeath ? ` (${t("file.identity.dateOfDeath")} : ${date(person.dateOfDeath)})` : "")
            : null}
        </Fact>
        <Fact label={t("file.identity.address")} refusal={refused("address")}>
          {address
            ? [
                address.commune,
                address.province,
                regionLabel(regions, address.regionCode),
                address.milieu && t(`file.enums.milieu.${address.milieu}`),
              ]
                .filter(Boolean)
                .join(", ")
            : null}
        </Fact>
        <Fact label={t("file.identity.phone")} refusal={refused("phone")}>
          {person.phone ? <bdo dir="ltr">{person.phone}</bdo> : null}
        </Fact>
        <Fact label={t("file.identity.registered")} refusal={refused("registeredAt")}>
          {person.registeredAt
            ? t("file.identity.registeredAt", {
                date: formats.dateTime(person.registeredAt),
                centre: person.registrationCentre ?? "",
              })
            : null}
        </Fact>
        <Fact label={t("file.identity.legalRepresentative")} refusal={refused("legalRepresentative")}>
          {person.legalRepresentative
            ? [
                person.legalRepresentative.firstName,
                person.legalRepresentative.lastName,
                person.legalRepresentative.idcs,
              ]
                .filter(Boolean)
                .join(" ")
            : null}
        </Fact>
      </Facts>
    </Section>
  );
}
