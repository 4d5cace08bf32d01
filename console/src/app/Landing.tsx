import { Navigate } from "react-router";
import { useSession } from "../session/SessionProvider.js";
import { landingPath } from "./landing-path.js";

export function Landing() {
  const { session } = useSession();
  return <Navigate to={session ? landingPath(session.caller) : "/login"} replace />;
}
