import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation, useNavigate } from "react-router";
import { useConsoleConfig } from "../app/ConfigProvider.js";
import { type Grant, grantKey, isCitizen, isRegional } from "../app/console-config.js";
import { landingPath } from "../app/landing-path.js";
import { startOidcLogin } from "../auth/oidc.js";
import { useSession } from "../session/SessionProvider.js";
import { roleLabel } from "../ui/caller-labels.js";
import { purposeDescription } from "../ui/purpose-label.js";
import { usePageTitle } from "../ui/use-page-title.js";
import { devSignIn, rememberPendingGrant } from "./sign-in.js";

/** The demonstration data's citizen (the README's examples use it too). */
export const DEMO_IDCS = "1062609475";

/**
 * Sign-in: the grant, the purpose of the reading and, in development, what the local issuer
 * needs to mint a token for it (a region for regional grants, an IDCS for a citizen). With
 * OpenID Connect the identity provider says who the person is; the purpose is chosen here.
 */
export function LoginPage() {
  const { t } = useTranslation();
  usePageTitle(t("pages.login"));
  const config = useConsoleConfig();
  const { session, ended, signIn } = useSession();
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: unknown } | null)?.from;
  const ids = { grant: useId(), region: useId(), idcs: useId(), idcsHint: useId(), purposeHint: useId() };

  const [grantValue, setGrantValue] = useState(() => (config.grants[0] ? grantKey(config.grants[0]) : ""));
  const grant: Grant | undefined = config.grants.find((g) => grantKey(g) === grantValue);
  const [purposes, setPurposes] = useState<Record<string, string>>({});
  const purpose = grant ? (purposes[grantValue] ?? grant.purposes[0]?.code ?? "") : "";
  const [region, setRegion] = useState("");
  const [idcs, setIdcs] = useState(DEMO_IDCS);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const development = config.login === "development";

  if (session) {
    return <Navigate to={landingPath(session.caller)} replace />;
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!grant) {
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      if (development) {
        const next = await devSignIn({
          grant,
          purpose,
          ...(isRegional(grant) ? { region } : {}),
          ...(isCitizen(grant) ? { idcs } : {}),
        });
        signIn(next);
        const back = typeof from === "string" && from.startsWith("/") && from !== "/login" ? from : null;
        navigate(back ?? landingPath(next.caller), { replace: true });
      } else if (config.oidc) {
        rememberPendingGrant({ grant, purpose });
        await startOidcLogin(config.oidc, purpose);
      }
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
      setBusy(false);
    }
  }

  return (
    <section className="login" aria-labelledby="login-title">
      <h1 id="login-title">{t("login.title")}</h1>
      {ended === "expired" && <p role="status">{t("app.sessionExpired")}</p>}
      {ended === "refused" && <p role="status">{t("app.sessionRefused")}</p>}
      <p>{t("login.intro")}</p>
      <p className="notice">{development ? t("login.development") : t("login.oidc")}</p>
      <form onSubmit={submit} className="form">
        <div className="field">
          <label htmlFor={ids.grant}>{t("login.grant")}</label>
          <select id={ids.grant} value={grantValue} onChange={(event) => setGrantValue(event.target.value)}>
            {config.grants.map((g) => (
              <option key={grantKey(g)} value={grantKey(g)}>
                {(g.agencyName ?? t("login.citizen")) + (g.agency ? ` (${g.agency})` : "")} — {roleLabel(t, g.role)}
              </option>
            ))}
          </select>
        </div>
        {development && grant && isRegional(grant) && (
          <div className="field">
            <label htmlFor={ids.region}>{t("login.region")}</label>
            <select id={ids.region} required value={region} onChange={(event) => setRegion(event.target.value)}>
              <option value="">{t("login.chooseRegion")}</option>
              {config.regions.map((r) => (
                <option key={r.code} value={r.code}>
                  {r.code} — {r.name}
                </option>
              ))}
            </select>
          </div>
        )}
        {development && grant && isCitizen(grant) && (
          <div className="field">
            <label htmlFor={ids.idcs}>{t("login.idcs")}</label>
            <input
              id={ids.idcs}
              required
              inputMode="numeric"
              pattern="[0-9]{10}"
              autoComplete="off"
              aria-describedby={ids.idcsHint}
              value={idcs}
              onChange={(event) => setIdcs(event.target.value.trim())}
            />
            <p id={ids.idcsHint} className="hint">
              {t("login.idcsHint")}
            </p>
          </div>
        )}
        {grant && (
          <fieldset className="field" aria-describedby={ids.purposeHint}>
            <legend>{t("login.purpose")}</legend>
            <p id={ids.purposeHint} className="hint">
              {t("login.purposeHint")}
            </p>
            {grant.purposes.map((p) => (
              <label key={p.code} className="choice">
                <input
                  type="radio"
                  name="purpose"
                  value={p.code}
                  checked={purpose === p.code}
                  onChange={() => setPurposes({ ...purposes, [grantValue]: p.code })}
                />
                <span>
                  <strong>{p.code}</strong> — {purposeDescription(t, p.code, p.description)}
                </span>
              </label>
            ))}
          </fieldset>
        )}
        {problem && (
          <p role="alert" className="error">
            {t("login.failed", { reason: problem })}
          </p>
        )}
        <button type="submit" className="button" disabled={busy || !grant || !purpose}>
          {development ? t("login.submit") : t("login.oidcSubmit")}
        </button>
      </form>
    </section>
  );
}
