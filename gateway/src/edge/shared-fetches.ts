/*
 * Identical subgraph fetches in flight at the same moment share one call: ten analysts opening the
 * same dashboard at once cost the register one answer, not ten (Hive Gateway and Apollo Router do
 * the same, as "request deduplication"). Identical means the same subgraph, the same body (the
 * document and its variables, as the planner wrote them) and the same scope: every claim of the
 * caller that a register answers by (agency, role, region, IDCS, purpose), all but the subject.
 * A case worker of another region, another agency's system or a citizen asking about someone else
 * never shares an answer, since their scope differs; an answer never outlives its call (nothing is
 * cached), so a fetch that starts after the call ended makes its own.
 *
 * Only queries share: a mutation's fetch always makes its own call. What is shared is the answer's
 * text; each request parses its own copy, so no request can see another's objects, and each
 * request's trail records the persons served in it (the access log accounts for every request; the
 * register's own log sees the one call, under the first request's id).
 *
 * A request that gives up (its deadline, its client gone) stops waiting at once; the call itself
 * ends only when every request waiting on it has given up.
 */
import type { RemoteGraphQLDataSource } from "@apollo/gateway";
import type { Caller } from "@spx/runtime/access";

type Fetcher = NonNullable<RemoteGraphQLDataSource["fetcher"]>;
export type FetchedResponse = Awaited<ReturnType<Fetcher>>;

/** What a register answers by: everything in the caller's claims but the subject. */
export function fetchScope(caller: Caller | undefined): string {
  if (!caller) {
    return "anonymous";
  }
  const { agency, role, region, idcs, purpose } = caller;
  return `${role}|${agency ?? ""}|${region ?? ""}|${idcs ?? ""}|${purpose ?? ""}`;
}

interface SharedCall {
  answer: Promise<FetchedResponse>;
  waiting: number;
  abort: AbortController;
}

export class SharedFetches {
  private readonly inFlight = new Map<string, SharedCall>();

  /** `onShared` hears of each fetch answered by another's call (for the metrics). */
  constructor(private readonly onShared?: (subgraph: string) => void) {}

  /** Calls in flight now (for tests). */
  get size(): number {
    return this.inFlight.size;
  }

  /**
   * The answer to `body` for `scope` from `subgraph`: the call in flight with the same key, or a
   * new one made with `call`. Each caller receives its own copy of the answer.
   */
  fetch(
    subgraph: string,
    scope: string,
    body: string,
    signal: AbortSignal | null,
    call: (signal: AbortSignal) => Promise<FetchedResponse>,
  ): Promise<FetchedResponse> {
    if (signal?.aborted) {
      return Promise.reject(signal.reason);
    }
    const key = `${subgraph}\n${scope}\n${body}`;
    let shared = this.inFlight.get(key);
    if (shared) {
      this.onShared?.(subgraph);
    } else {
      const abort = new AbortController();
      const answer = call(abort.signal).finally(() => {
        if (this.inFlight.get(key) === entry) {
          this.inFlight.delete(key);
        }
      });
      const entry: SharedCall = { answer, waiting: 0, abort };
      this.inFlight.set(key, entry);
      shared = entry;
    }
    return this.wait(key, shared, signal);
  }

  private wait(key: string, shared: SharedCall, signal: AbortSignal | null): Promise<FetchedResponse> {
    shared.waiting++;
    const answer = shared.answer.then((response) => response.clone());
    if (!signal) {
      return answer;
    }
    return new Promise<FetchedResponse>((resolve, reject) => {
      const giveUp = () => {
        shared.waiting--;
        if (shared.waiting === 0) {
          // Nobody reads this answer any more: end the call, and let a later fetch make its own.
          if (this.inFlight.get(key) === shared) {
            this.inFlight.delete(key);
          }
          shared.abort.abort(signal.reason);
        }
        reject(signal.reason);
      };
      signal.addEventListener("abort", giveUp, { once: true });
      answer.then(
        (response) => {
          signal.removeEventListener("abort", giveUp);
          resolve(response);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", giveUp);
          reject(error);
        },
      );
    });
  }
}
