import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { useSession } from "../session/SessionProvider.js";
import type { Caller } from "../session/session-store.js";
import { landingPath } from "./landing-path.js";

/**
 * A page for signed-in callers whose grant it serves: others are sent to sign in (and back here
 * afterwards), or to their own landing page.
 */
export function RequireSession({ allow, children }: { allow: (caller: Caller) => boolean; children: ReactNode }) {
  const { session } = useSession();
  const location = useLocation();
  if (!session) {
    return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  }
  if (!allow(session.caller)) {
    return <Navigate to={landingPath(session.caller)} replace />;
  }
  return <>{children}</>;
}
