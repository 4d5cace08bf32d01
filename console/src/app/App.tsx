import { lazy, type ReactNode, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { BrowserRouter, Route, Routes } from "react-router";
import { GraphqlProvider } from "../graphql/GraphqlProvider.js";
import { CallbackPage } from "../login/CallbackPage.js";
import { LoginPage } from "../login/LoginPage.js";
import { SessionProvider } from "../session/SessionProvider.js";
import { Layout } from "../ui/Layout.js";
import { ConfigProvider } from "./ConfigProvider.js";
import { Landing } from "./Landing.js";
import { canReadStatistics, isCaseWorker, isCitizenCaller } from "./landing-path.js";
import { NotFound } from "./NotFound.js";
import { RequireSession } from "./RequireSession.js";

// Each page is its own chunk: a citizen's phone never downloads the dashboard's charts.
const DashboardPage = lazy(() => import("../dashboard/DashboardPage.js"));
const DeskPage = lazy(() => import("../desk/DeskPage.js"));
const CitizenPage = lazy(() => import("../citizen/CitizenPage.js"));

function Loading({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return <Suspense fallback={<p role="status">{t("app.loading")}</p>}>{children}</Suspense>;
}

/** The console's routes; the gateway answers index.html for each of them. */
export function App() {
  return (
    <ConfigProvider>
      <SessionProvider>
        <GraphqlProvider>
          <BrowserRouter>
            <Routes>
              <Route element={<Layout />}>
                <Route index element={<Landing />} />
                <Route path="login" element={<LoginPage />} />
                <Route path="login/callback" element={<CallbackPage />} />
                <Route
                  path="dashboard"
                  element={
                    <RequireSession allow={canReadStatistics}>
                      <Loading>
                        <DashboardPage />
                      </Loading>
                    </RequireSession>
                  }
                />
                <Route
                  path="desk/*"
                  element={
                    <RequireSession allow={isCaseWorker}>
                      <Loading>
                        <DeskPage />
                      </Loading>
                    </RequireSession>
                  }
                />
                <Route
                  path="me"
                  element={
                    <RequireSession allow={isCitizenCaller}>
                      <Loading>
                        <CitizenPage />
                      </Loading>
                    </RequireSession>
                  }
                />
                <Route path="*" element={<NotFound />} />
              </Route>
            </Routes>
          </BrowserRouter>
        </GraphqlProvider>
      </SessionProvider>
    </ConfigProvider>
  );
}
