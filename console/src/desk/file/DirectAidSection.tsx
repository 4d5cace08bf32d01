import { useTranslation } from "react-i18next";
import type { PersonFileFragment } from "../../generated/graphql.js";
import { useFormats } from "../../ui/format.js";
import { Fact, Facts } from "./Fact.js";
import type { RefusalLookup } from "./refusal-at.js";
import { Section } from "./Section.js";

type Household = NonNullable<PersonFileFragment["household"]>;

/** Direct aid: the enrolment, what the monthly entitlement is made of, and the latest payments. */
export function DirectAidSection({
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
  const aid = household?.directAid;
  const entitlement = aid?.monthlyEntitlement;
  return (
    <Section
      unavailable={unavailable}
      title={t("file.aid.title")}
      refusal={refused("household") ?? refused("household", "directAid")}
      testId="section-aid"
    >
      {aid ? (
        <>
          <Facts>
            <Fact label={t("file.aid.status")}>{aid.status ? t(`file.enums.aidStatus.${aid.status}`) : null}</Fact>
            <Fact label={t("file.aid.since")}>{aid.since ? formats.dateTime(aid.since) : null}</Fact>
            <Fact label={t("file.aid.institution")}>
              {aid.institution ? t(`file.enums.institution.${aid.institution}`) : null}
            </Fact>
            <Fact label={t("file.aid.children")}>{aid.children === null ? null : formats.count(aid.children)}</Fact>
            <Fact label={t("file.aid.entitlement")} refusal={refused("household", "directAid", "monthlyEntitlement")}>
              {entitlement?.amount ? formats.amount(entitlement.amount) : null}
            </Fact>
          </Facts>
          {entitlement?.components && entitlement.components.length > 0 ? (
            <table className="data" data-testid="entitlement-components">
              <caption>{t("file.aid.components")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("file.aid.component")}</th>
                  <th scope="col">{t("file.aid.amount")}</th>
                </tr>
              </thead>
              <tbody>
                {entitlement.components.map((component, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: components are listed once each, in order
                  <tr key={i}>
                    <th scope="row" lang="en">
                      {component.reason}
                    </th>
                    <td className="number">{component.amount ? formats.amount(component.amount) : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <h3>{t("file.aid.payments")}</h3>
          {refused("household", "directAid", "payments") ? (
            <Facts>
              <Fact label={t("file.aid.payments")} refusal={refused("household", "directAid", "payments")} />
            </Facts>
          ) : aid.payments && aid.payments.length > 0 ? (
            <table className="data" data-testid="payments">
              <caption className="visually-hidden">{t("file.aid.payments")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("file.aid.month")}</th>
                  <th scope="col">{t("file.aid.amount")}</th>
                  <th scope="col">{t("file.aid.paymentStatus")}</th>
                  <th scope="col">{t("file.aid.institution")}</th>
                </tr>
              </thead>
              <tbody>
                {aid.payments.map((payment) => (
                  <tr key={payment.id ?? payment.month}>
                    <th scope="row">{payment.month ? formats.month(payment.month) : ""}</th>
                    <td className="number">{payment.amount ? formats.amount(payment.amount) : ""}</td>
                    <td>{payment.status ? t(`file.enums.paymentStatus.${payment.status}`) : ""}</td>
                    <td>{payment.institution ? t(`file.enums.institution.${payment.institution}`) : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p>{t("file.aid.noPayments")}</p>
          )}
        </>
      ) : household ? (
        <p>{t("file.aid.none")}</p>
      ) : (
        <p>{t("file.household.none")}</p>
      )}
    </Section>
  );
}
