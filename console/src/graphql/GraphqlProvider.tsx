import { type ReactNode, useMemo } from "react";
import { Provider } from "urql";
import { useSession } from "../session/SessionProvider.js";
import { createGraphqlClient } from "./client.js";

/** Gives signed-in pages a client bound to the session; a new session gets a fresh client. */
export function GraphqlProvider({ children }: { children: ReactNode }) {
  const { session, signOut } = useSession();
  const client = useMemo(
    () => (session ? createGraphqlClient(session, () => signOut("refused")) : null),
    [session, signOut],
  );
  return client ? <Provider value={client}>{children}</Provider> : children;
}
