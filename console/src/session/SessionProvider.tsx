import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { clearSession, readSession, type Session, saveSession } from "./session-store.js";

export type SignOutReason = "signedOut" | "expired" | "refused";

interface SessionState {
  session: Session | null;
  /** Why the last session ended, for the sign-in page to say so. */
  ended: SignOutReason | null;
  signIn(session: Session): void;
  signOut(reason?: SignOutReason): void;
}

const SessionContext = createContext<SessionState | null>(null);

/** Holds the session and ends it when the token expires, so that no page outlives its token. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(() => readSession());
  const [ended, setEnded] = useState<SignOutReason | null>(null);

  const signIn = useCallback((next: Session) => {
    saveSession(next);
    setEnded(null);
    setSession(next);
  }, []);
  const signOut = useCallback((reason: SignOutReason = "signedOut") => {
    clearSession();
    setEnded(reason);
    setSession(null);
  }, []);

  useEffect(() => {
    if (!session) {
      return undefined;
    }
    // setTimeout holds at most 2^31-1 ms; tokens live an hour at most, so this never overflows.
    const timer = setTimeout(() => signOut("expired"), Math.max(0, session.expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [session, signOut]);

  const value = useMemo(() => ({ session, ended, signIn, signOut }), [session, ended, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) {
    throw new Error("useSession is used outside SessionProvider");
  }
  return state;
}

/** The session of a page that RequireSession guards: always there. */
export function useSignedIn(): Session {
  const { session } = useSession();
  if (!session) {
    throw new Error("useSignedIn is used on a page without RequireSession");
  }
  return session;
}
