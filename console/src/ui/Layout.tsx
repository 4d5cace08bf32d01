import { useTranslation } from "react-i18next";
import { NavLink, Outlet } from "react-router";
import { useConsoleConfig } from "../app/ConfigProvider.js";
import { canReadStatistics, isCaseWorker, isCitizenCaller } from "../app/landing-path.js";
import { useSession } from "../session/SessionProvider.js";
import { regionLabel, roleLabel } from "./caller-labels.js";
import { LanguageSwitch } from "./LanguageSwitch.js";
import { purposeDescription } from "./purpose-label.js";

/**
 * Every page's frame: a skip link, the signed-in grant and the purpose of the reading (always
 * visible: the purpose is recorded with every read), the pages the grant may open, the language.
 */
export function Layout() {
  const { t } = useTranslation();
  const { session, signOut } = useSession();
  const { regions } = useConsoleConfig();
  const caller = session?.caller;
  const region = caller ? regionLabel(regions, caller.region) : null;
  return (
    <>
      <a className="skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <header className="app-header">
        <div className="app-header__bar">
          <p className="app-title">{t("app.title")}</p>
          <LanguageSwitch />
          {session && (
            <button type="button" className="button button--quiet" onClick={() => signOut()}>
              {t("app.signOut")}
            </button>
          )}
        </div>
        {session && caller && (
          <>
            <dl className="caller" aria-label={t("app.signedInAs")}>
              <div>
                <dt>{t("app.signedInAs")}</dt>
                <dd data-testid="signed-in-grant">
                  {caller.agencyName ?? caller.agency ?? t("login.citizen")} · {roleLabel(t, caller.role)}
                </dd>
              </div>
              {region && (
                <div>
                  <dt>{t("app.region")}</dt>
                  <dd>{region}</dd>
                </div>
              )}
              <div className="purpose">
                <dt>{t("app.purpose")}</dt>
                <dd data-testid="purpose">
                  <strong>{session.purpose}</strong> —{" "}
                  {purposeDescription(t, session.purpose, session.purposeDescription)}
                </dd>
              </div>
            </dl>
            <nav aria-label={t("app.navigation")}>
              <ul className="nav">
                {canReadStatistics(caller) && (
                  <li>
                    <NavLink to="/dashboard">{t("pages.dashboard")}</NavLink>
                  </li>
                )}
                {isCaseWorker(caller) && (
                  <li>
                    <NavLink to="/desk">{t("pages.desk")}</NavLink>
                  </li>
                )}
                {isCitizenCaller(caller) && (
                  <li>
                    <NavLink to="/me">{t("pages.me")}</NavLink>
                  </li>
                )}
              </ul>
            </nav>
          </>
        )}
      </header>
      <main id="main" className="page" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
