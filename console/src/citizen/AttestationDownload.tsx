import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { useClient } from "urql";
import { ConsoleCitizenAttestationDocument, type Program } from "../generated/graphql.js";
import { useFormats } from "../ui/format.js";

const PROGRAMS: readonly Program[] = ["DIRECT_AID", "AMO_TADAMON", "AMO_ACHAMIL"];

/** The file name names the programme only: nothing personal in a download's name. */
export const attestationFileName = (program: Program) => `eligibility-attestation-${program}.jws`;

/** Hands a text to the browser as a file to save (a Blob: nothing leaves for another host). */
function saveText(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "application/jose" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked on the next turn, once the browser has started the download.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

interface Issued {
  program: Program;
  eligible: boolean | null;
  asOf: string | null;
  expiresAt: string | null;
}

/** The signed eligibility attestation (a JWS from the social register), downloaded as a file. */
export function AttestationDownload({ idcs }: { idcs: string }) {
  const { t } = useTranslation("citizen");
  const { t: tDesk } = useTranslation("desk");
  const formats = useFormats();
  const client = useClient();
  const ids = { title: useId(), program: useId() };
  const [program, setProgram] = useState<Program>("DIRECT_AID");
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<Issued | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  async function download(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    const result = await client
      .query(ConsoleCitizenAttestationDocument, { idcs, program }, { requestPolicy: "network-only" })
      .toPromise();
    setBusy(false);
    const attestation = result.data?.eligibilityAttestation;
    if (!attestation?.jws) {
      setProblem(result.error?.graphQLErrors[0]?.message ?? result.error?.message ?? "—");
      return;
    }
    saveText(attestation.jws, attestationFileName(program));
    setIssued({ program, eligible: attestation.eligible, asOf: attestation.asOf, expiresAt: attestation.expiresAt });
  }

  const jwks = `${window.location.origin}/.well-known/jwks.json`;
  return (
    <section className="file-section" aria-labelledby={ids.title} data-testid="section-attestation">
      <h2 id={ids.title}>{t("attestation.title")}</h2>
      <p>{t("attestation.intro")}</p>
      <form className="form" onSubmit={download}>
        <div className="field">
          <label htmlFor={ids.program}>{t("attestation.program")}</label>
          <select id={ids.program} value={program} onChange={(event) => setProgram(event.target.value as Program)}>
            {PROGRAMS.map((p) => (
              <option key={p} value={p}>
                {tDesk(`file.enums.program.${p}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button" disabled={busy}>
          {busy ? t("attestation.downloading") : t("attestation.download")}
        </button>
      </form>
      <div aria-live="polite">
        {issued ? (
          <p role="status" data-testid="attestation-issued">
            {t("attestation.result", {
              asOf: issued.asOf ? formats.dateTime(issued.asOf) : "",
              eligible: issued.eligible ? t("attestation.eligible") : t("attestation.notEligible"),
              expiresAt: issued.expiresAt ? formats.dateTime(issued.expiresAt) : "",
            })}
          </p>
        ) : null}
        {problem ? (
          <p role="alert" className="error">
            {t("attestation.failed", { reason: problem })}
          </p>
        ) : null}
      </div>
      <h3>{t("attestation.verifyTitle")}</h3>
      <p>{t("attestation.verify", { jwks })}</p>
      <pre dir="ltr" lang="en" className="command">
        <code>
          {`curl -s ${jwks} > jwks.json\nnpm run -s attestation:verify -- "$(cat ${attestationFileName(issued?.program ?? program)})" --jwks jwks.json`}
        </code>
      </pre>
    </section>
  );
}
