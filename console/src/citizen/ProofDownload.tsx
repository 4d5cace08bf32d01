import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

/** What the page knows of an entry's proof (`DataAccess.proof`; the graph may refuse any field). */
export interface EntryProof {
  leafIndex: string | null;
  witnessed: boolean | null;
  bundle: string | null;
}

/** The file name says where the entry is in the log, nothing about the person. */
export const proofFileName = (leafIndex: string) => `access-${leafIndex}.tlog-proof`;

/**
 * A Blob URL of the bundle for as long as the link is shown: the proof came with the page, so
 * saving it sends nothing anywhere. Created in an effect (and revoked by its cleanup) so that a
 * re-run never leaves the link pointing at a revoked URL.
 */
function useBlobUrl(text: string | undefined): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    if (text === undefined) {
      return;
    }
    const created = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    setUrl(created);
    return () => {
      URL.revokeObjectURL(created);
      setUrl(undefined);
    };
  }, [text]);
  return url;
}

/**
 * An entry's proof: a link saving its tlog-proof bundle, the command that verifies it and whether
 * its checkpoint is witnessed; "pending" while no checkpoint covers the entry.
 */
export function ProofDownload({ proof }: { proof: EntryProof | null | undefined }) {
  const { t } = useTranslation("citizen");
  const url = useBlobUrl(proof?.bundle ?? undefined);
  if (!proof?.bundle || !proof.leafIndex) {
    return <span data-testid="proof-pending">{t("access.proofPending")}</span>;
  }
  const file = proofFileName(proof.leafIndex);
  return (
    <div className="proof" data-testid="proof">
      {url ? (
        <a href={url} download={file} type="text/plain">
          {t("access.proofDownload")}{" "}
          <span className="visually-hidden">{t("access.proofOf", { index: proof.leafIndex })}</span>
        </a>
      ) : null}
      <div className="muted">
        {t("access.proofVerify")}{" "}
        <code dir="ltr" lang="en">
          npm run -s audit:prove -- --bundle {file}
        </code>
      </div>
      <div className="muted" data-testid="proof-witnessed">
        {proof.witnessed ? t("access.proofWitnessed") : t("access.proofNotWitnessed")}
      </div>
    </div>
  );
}
