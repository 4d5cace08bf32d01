import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { useConsoleConfig } from "../app/ConfigProvider.js";
import { landingPath } from "../app/landing-path.js";
import { completeOidcLogin } from "../auth/oidc.js";
import { useSession } from "../session/SessionProvider.js";
import { usePageTitle } from "../ui/use-page-title.js";
import { SignInError, sessionFor, takePendingGrant } from "./sign-in.js";

/** /login/callback: the identity provider's redirect back, turned into a session. */
export function CallbackPage() {
  const { t } = useTranslation();
  usePageTitle(t("pages.login"));
  const config = useConsoleConfig();
  const { signIn } = useSession();
  const navigate = useNavigate();
  const [problem, setProblem] = useState<string | null>(null);
  // The code can be exchanged once: StrictMode's second effect run must not try again.
  const started = useRef(false);

  useEffect(() => {
    if (started.current) {
      return;
    }
    started.current = true;
    const pending = takePendingGrant();
    (async () => {
      if (!config.oidc || !pending) {
        throw new SignInError("no sign-in was started in this tab");
      }
      const login = await completeOidcLogin(config.oidc, new URL(window.location.href));
      const session = sessionFor(login.accessToken, login.expiresAt, { grant: pending.grant, purpose: login.purpose });
      signIn(session);
      navigate(landingPath(session.caller), { replace: true });
    })().catch((error: unknown) => setProblem(error instanceof Error ? error.message : String(error)));
  }, [config.oidc, navigate, signIn]);

  return problem ? (
    <section>
      <h1>{t("login.title")}</h1>
      <p role="alert" className="error">
        {t("login.failed", { reason: problem })}
      </p>
      <Link to="/login">{t("pages.login")}</Link>
    </section>
  ) : (
    <p role="status">{t("login.completing")}</p>
  );
}
