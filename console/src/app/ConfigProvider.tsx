import { createContext, type ReactNode, useContext, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { type ConsoleConfig, fetchConsoleConfig } from "./console-config.js";

const ConfigContext = createContext<ConsoleConfig | null>(null);

/** Loads /console/config.json once; every page below can rely on it being there. */
export function ConfigProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [config, setConfig] = useState<ConsoleConfig | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    fetchConsoleConfig(abort.signal).then(setConfig, (error: unknown) => {
      if (!abort.signal.aborted) {
        setProblem(error instanceof Error ? error.message : String(error));
      }
    });
    return () => abort.abort();
  }, []);
  if (problem) {
    return (
      <main id="main" className="page">
        <p role="alert">{t("app.configUnavailable", { reason: problem })}</p>
      </main>
    );
  }
  if (!config) {
    return (
      <main id="main" className="page">
        <p role="status">{t("app.loading")}</p>
      </main>
    );
  }
  return <ConfigContext.Provider value={config}>{children}</ConfigContext.Provider>;
}

export function useConsoleConfig(): ConsoleConfig {
  const config = useContext(ConfigContext);
  if (!config) {
    throw new Error("useConsoleConfig is used outside ConfigProvider");
  }
  return config;
}
