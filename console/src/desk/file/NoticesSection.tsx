import { useTranslation } from "react-i18next";
import { useFormats } from "../../ui/format.js";
import { useCalendarDate } from "./dates.js";
import type { ExplainedRefusal } from "./explained-refusals.js";
import { Refused } from "./Refused.js";
import { Section } from "./Section.js";

/** A notice before an adverse decision, as AMO (`AmoNotice`) and direct aid (`AidNotice`) both give it. */
export interface Notice {
  id?: string | null;
  kind?: "SUSPENSION" | "CLOSURE" | "REDUCTION" | null;
  reason?: string | null;
  effectiveOn?: string | null;
  status?: "PENDING" | "CANCELLED" | "APPLIED" | null;
  createdAt?: string | null;
  contest?: string | null;
}

/** One programme's notices, or why they are not shown. */
export interface ProgrammeNotices {
  programme: "AMO" | "DIRECT_AID";
  notices: readonly (Notice | null)[] | null | undefined;
  refusal: ExplainedRefusal | undefined;
  unavailable: boolean;
}

interface Row extends Notice {
  programme: ProgrammeNotices["programme"];
}

function NoticeTable({ rows, caption, contestHref }: { rows: readonly Row[]; caption: string; contestHref?: string }) {
  const { t } = useTranslation("desk");
  const date = useCalendarDate();
  const formats = useFormats();
  return (
    <table className="data">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t("file.notices.programme")}</th>
          <th scope="col">{t("file.notices.kind")}</th>
          <th scope="col">{t("file.notices.reason")}</th>
          <th scope="col">{t("file.notices.effectiveOn")}</th>
          <th scope="col">{t("file.notices.status")}</th>
          <th scope="col">{t("file.notices.contest")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={row.id ?? i} data-notice-id={row.id ?? ""}>
            <th scope="row">{t(`file.notices.programmes.${row.programme}`)}</th>
            <td>{row.kind ? t(`file.enums.noticeKind.${row.kind}`) : t("file.notShown")}</td>
            <td lang="en">{row.reason}</td>
            <td>
              {row.effectiveOn ? date(row.effectiveOn) : null}
              {row.createdAt ? (
                <span className="hint"> {t("file.notices.createdAt", { date: formats.dateTime(row.createdAt) })}</span>
              ) : null}
            </td>
            <td>{row.status ? t(`file.enums.noticeStatus.${row.status}`) : null}</td>
            <td>
              {row.contest ? <p lang="en">{row.contest}</p> : null}
              {contestHref && row.status === "PENDING" ? (
                <a href={contestHref} className="button" data-testid="contest-link">
                  {t("file.notices.contestAction")}
                </a>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * What the programmes announce before an adverse decision (a suspension, a closure, a reduction):
 * the change, why, from when, and how to contest it. Pending notices first; the applied and
 * cancelled ones below, collapsed. Each programme's part is refused or unavailable on its own.
 * `contestHref` is where the caller can ask for an index revision on this page (the citizen's).
 */
export function NoticesSection({ parts, contestHref }: { parts: readonly ProgrammeNotices[]; contestHref?: string }) {
  const { t } = useTranslation("desk");
  const rows: Row[] = parts.flatMap((part) =>
    (part.refusal || part.unavailable ? [] : (part.notices ?? [])).flatMap((notice) =>
      notice
        ? [
            {
              ...notice,
              programme: part.programme,
            },
          ]
        : [],
    ),
  );
  const byDate = (a: Row, b: Row) => (a.effectiveOn ?? "").localeCompare(b.effectiveOn ?? "");
  const pending = rows.filter((row) => row.status === "PENDING").sort(byDate);
  const past = rows.filter((row) => row.status !== "PENDING").sort((a, b) => byDate(b, a));
  const withheld = parts.filter((part) => part.refusal || part.unavailable);
  return (
    <Section title={t("file.notices.title")} testId="section-notices">
      {withheld.map((part) => (
        <div key={part.programme} data-testid={`notices-withheld-${part.programme}`}>
          <p>{t(`file.notices.programmes.${part.programme}`)}</p>
          {part.refusal ? (
            <Refused refusal={part.refusal} />
          ) : (
            <p role="status" className="error" data-testid="unavailable">
              {t("file.unavailable")}
            </p>
          )}
        </div>
      ))}
      {pending.length > 0 ? (
        <div data-testid="pending-notices">
          <NoticeTable rows={pending} caption={t("file.notices.pending")} {...(contestHref ? { contestHref } : {})} />
        </div>
      ) : (
        <p data-testid="no-pending-notice">{t("file.notices.none")}</p>
      )}
      {past.length > 0 ? (
        <details data-testid="past-notices">
          <summary>{t("file.notices.past", { count: past.length })}</summary>
          <NoticeTable rows={past} caption={t("file.notices.pastCaption")} />
        </details>
      ) : null}
    </Section>
  );
}
