/*
 * Steady load against a cluster's gateway frontend, as its clients would make it: reads (the
 * README's cross-programme query for several persons) that are never retried by the client, so
 * that every failure the system lets through is seen; and writes (registerPerson) with
 * idempotency keys, each retried with the SAME key after a failure or no answer until it is
 * answered, as the README tells a client to do.
 */

export const PERSON_360 = `query Person360($idcs: ID!) { person(idcs: $idcs) { idcs firstName lastName address { regionCode }
  healthCoverage { regime role payer status }
  household { members { relationship person { firstName } } socioEconomicIndex { score modelVersion }
    eligibility { program eligible threshold } eligibilityExplanation(program: DIRECT_AID) { summary }
    directAid { status monthlyEntitlement { amount currency components { reason amount } } payments(last: 3) { month amount status } } } } }`;

const REGISTER_PERSON = `mutation Register($key: String!, $input: RegisterPersonInput!) {
  registerPerson(idempotencyKey: $key, input: $input) { person { idcs } } }`;

interface Answer {
  status: number;
  body?: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

/** What went wrong with one request, as the client saw it (no personal data: codes and statuses). */
export interface Failure {
  at: number;
  phase: string;
  kind: "read" | "write";
  what: string;
}

export interface Write {
  key: string;
  cin: string;
  attempts: number;
  /** The IDCS each successful answer named (a retry answered from the first result names the same). */
  answers: string[];
}

async function post(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as Answer["body"] };
  } catch {
    return { status: response.status };
  }
}

const describeAnswer = (answer: Answer) =>
  `HTTP ${answer.status} ${[...new Set((answer.body?.errors ?? []).map((e) => e.extensions?.code ?? e.message))].join(",")}`;

const describeError = (error: unknown) => {
  const cause = (error as { cause?: { code?: string } }).cause;
  return `no answer: ${cause?.code ?? (error as Error).name}`;
};

const letters = (n: number, length: number) => {
  let text = "";
  for (let i = 0; i < length; i++) {
    text += String.fromCharCode(97 + (Math.floor(n / 26 ** i) % 26));
  }
  return text;
};

export interface LoadOptions {
  gatewayUrl: string;
  /** One token per read loop (each its own subject, so that no subject's rate limit is reached). */
  readTokens: string[];
  writeToken: string;
  persons: string[];
  /** Pause between one loop's requests, under the subjects' rates. */
  readPauseMs: number;
  writePauseMs: number;
  /** Distinguishes this run's keys and cards from any other's. */
  runId: number;
}

/** Runs until `stop()`; `phase` labels what the failures happened during. */
export function startLoad(options: LoadOptions) {
  let running = true;
  let phase = "steady";
  const failures: Failure[] = [];
  const writes: Write[] = [];
  let reads = 0;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const readLoop = async (token: string, offset: number) => {
    for (let i = offset; running; i++) {
      const idcs = options.persons[i % options.persons.length];
      try {
        const answer = await post(options.gatewayUrl, token, PERSON_360, { idcs });
        const person = (answer.body?.data as { person?: { idcs?: string } | null } | undefined)?.person;
        if (answer.status !== 200 || answer.body?.errors?.length || person?.idcs !== idcs) {
          failures.push({ at: Date.now(), phase, kind: "read", what: describeAnswer(answer) });
        }
      } catch (error) {
        failures.push({ at: Date.now(), phase, kind: "read", what: describeError(error) });
      }
      reads += 1;
      await pause(options.readPauseMs);
    }
  };

  const writeLoop = async () => {
    for (let n = 0; running; n++) {
      const serial = options.runId * 10_000 + n;
      const write: Write = {
        key: `cluster-${options.runId}-${n}`,
        cin: `QZ${String(serial).padStart(8, "0").slice(-8)}`,
        attempts: 0,
        answers: [],
      };
      writes.push(write);
      const input = {
        cin: write.cin,
        firstName: `Lo${letters(serial, 4)}`,
        lastName: `Cl${letters(Math.floor(serial / 7), 5)}`,
        firstNameAr: "فاطمة",
        lastNameAr: "الإدريسي",
        sex: "FEMALE",
        birthDate: "1985-03-10",
        birthPlace: "Casablanca",
        nationality: "MAR",
        residencyStatus: "CITIZEN",
        registrationCentre: "CSC Anfa",
        address: { regionCode: "06", province: "Casablanca", commune: "Anfa", milieu: "URBAN" },
      };
      // A client retries a write until it is answered, always with the same key (even after the
      // load stops: a write already sent must be settled one way or the other).
      for (;;) {
        write.attempts += 1;
        try {
          const answer = await post(options.gatewayUrl, options.writeToken, REGISTER_PERSON, {
            key: write.key,
            input,
          });
          const idcs = (answer.body?.data as { registerPerson?: { person?: { idcs?: string } } } | undefined)
            ?.registerPerson?.person?.idcs;
          if (answer.status === 200 && !answer.body?.errors?.length && idcs) {
            write.answers.push(idcs);
            break;
          }
          failures.push({ at: Date.now(), phase, kind: "write", what: describeAnswer(answer) });
        } catch (error) {
          failures.push({ at: Date.now(), phase, kind: "write", what: describeError(error) });
        }
        if (write.attempts >= 60) {
          break;
        }
        await pause(250);
      }
      await pause(options.writePauseMs);
    }
  };

  const loops = [...options.readTokens.map((token, i) => readLoop(token, i * 3)), writeLoop()];
  return {
    failures,
    writes,
    reads: () => reads,
    setPhase(name: string) {
      phase = name;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
