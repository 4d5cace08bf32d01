import { type FormEvent, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import {
  ConsoleCitizenRequestIndexRevisionDocument,
  ConsoleDeskRequestIndexRevisionDocument,
} from "../generated/graphql.js";
import { useFormats } from "../ui/format.js";
import type { ExplainedRefusal } from "./file/explained-refusals.js";
import { Refused } from "./file/Refused.js";

const MIN_REASON = 10;
const MAX_REASON = 2000;

/** A fresh key for one request as the case worker wrote it: its retries (a double click, a resend) reuse it. */
function newKey(): string {
  return `desk-revision:${crypto.randomUUID()}`;
}

/**
 * "Ask for an index revision" on behalf of the household. The idempotency key belongs to the text
 * being sent: sending it again (a double click, a retry after a lost answer) files nothing new, the
 * register answers with the request it already recorded; editing the reason starts a new request.
 */
export function RevisionRequest({
  householdId,
  refused,
  asCitizen = false,
  anchor,
}: {
  householdId: string | null;
  refused: ExplainedRefusal | undefined;
  /** The citizen's page sends its own registered document (the CITIZEN manifest's), same shape. */
  asCitizen?: boolean;
  /** An id for the section, where a notice's "contest" link leads. */
  anchor?: string;
}) {
  const { t } = useTranslation("desk");
  const formats = useFormats();
  const ids = { title: useId(), reason: useId(), hint: useId() };
  const [reason, setReason] = useState("");
  const [key, setKey] = useState(newKey);
  const [{ data, fetching, error }, request] = useMutation(
    asCitizen ? ConsoleCitizenRequestIndexRevisionDocument : ConsoleDeskRequestIndexRevisionDocument,
  );
  // Set before React re-renders: a second click in the same frame finds the request under way.
  const sending = useRef(false);

  if (refused) {
    return (
      <section className="file-section revision" aria-labelledby={ids.title}>
        <h2 id={ids.title}>{t("revision.title")}</h2>
        <Refused refusal={refused} />
      </section>
    );
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!householdId || sending.current) {
      return;
    }
    sending.current = true;
    void request({ householdId, reason: reason.trim(), idempotencyKey: key }).finally(() => {
      sending.current = false;
    });
  }

  const filed = data?.requestIndexRevision;
  const tooShort = reason.trim().length < MIN_REASON;
  return (
    <section
      className="file-section revision"
      aria-labelledby={ids.title}
      data-testid="revision"
      id={anchor}
      tabIndex={anchor ? -1 : undefined}
    >
      <h2 id={ids.title}>{t("revision.title")}</h2>
      {householdId ? (
        <form className="form" onSubmit={submit}>
          <p>{t("revision.intro")}</p>
          <div className="field">
            <label htmlFor={ids.reason}>{t("revision.reason")}</label>
            <textarea
              id={ids.reason}
              required
              minLength={MIN_REASON}
              maxLength={MAX_REASON}
              aria-describedby={ids.hint}
              value={reason}
              onChange={(event) => {
                setReason(event.target.value);
                setKey(newKey());
              }}
            />
            <p id={ids.hint} className="hint">
              {t("revision.reasonHint")}
            </p>
          </div>
          <button type="submit" className="button" disabled={fetching || tooShort} aria-disabled={fetching || tooShort}>
            {fetching ? t("revision.sending") : t("revision.submit")}
          </button>
          <div aria-live="polite">
            {filed?.status ? (
              <p role="status" data-testid="revision-filed" data-request-id={filed.id ?? ""}>
                {t("revision.sent", {
                  status: t(`revision.status.${filed.status}`),
                  dueAt: filed.dueAt ? formats.dateTime(filed.dueAt) : "",
                })}{" "}
                {t("revision.again")}
              </p>
            ) : null}
            {error ? (
              <p role="alert" className="error">
                {t("revision.failed", { reason: error.graphQLErrors[0]?.message ?? error.message })}
              </p>
            ) : null}
          </div>
        </form>
      ) : (
        <p>{t("revision.noHousehold")}</p>
      )}
    </section>
  );
}
