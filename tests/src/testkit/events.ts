import { randomBytes } from "node:crypto";
import { type NatsSettings, NatsTransport, type RawSql, recordEvent } from "@spx/runtime/events";

/** The NATS server the test runs use (CI runs one with JetStream on 127.0.0.1:4222). */
export const TEST_NATS_URL = "nats://127.0.0.1:4222";

/**
 * A JetStream stream and subject prefix of this test run alone, so that test files running in
 * parallel never see each other's events; `remove()` deletes the stream (and its consumers).
 */
export function testNats(label: string): NatsSettings & { url: string; remove(): Promise<void> } {
  const suffix = `${label.replace(/[^a-z0-9]/gi, "_")}_${randomBytes(4).toString("hex")}`.toLowerCase();
  const settings = {
    url: TEST_NATS_URL,
    stream: `SPX_TEST_${suffix}`.toUpperCase(),
    subjectPrefix: `spxtest_${suffix}`,
  };
  return {
    ...settings,
    async remove() {
      const transport = await NatsTransport.connect(settings, "test-cleanup");
      try {
        await transport.jsm.streams.delete(settings.stream);
      } finally {
        await transport.close();
      }
    },
  };
}

/** What the stream holds for a register, in stream order (each message's event id and position). */
export async function streamedEvents(
  settings: NatsSettings,
  source: string,
): Promise<{ id: string; position: string; type: string }[]> {
  const transport = await NatsTransport.connect(settings, "test-reader");
  try {
    const info = await transport.jsm.streams.info(settings.stream ?? "");
    const found: { id: string; position: string; type: string }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const message = await transport.jsm.streams.getMessage(settings.stream ?? "", { seq });
      if (message?.subject.startsWith(`${settings.subjectPrefix}.${source}.`)) {
        const event = message.json<{ id: string; position: string; type: string }>();
        found.push({ id: event.id, position: event.position, type: event.type });
      }
    }
    return found;
  } finally {
    await transport.close();
  }
}

/** Writes `count` test events in one transaction of the producer (what a register's write does). */
export async function recordTestEvents(
  prisma: {
    $transaction<R>(run: (tx: RawSql) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
  },
  count: number,
  type = "test.happened",
): Promise<string[]> {
  // 200 events one statement each outlast Prisma's default 5 s on a loaded CI machine.
  return prisma.$transaction(
    async (tx) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        ids.push(await recordEvent(tx, { type, subject: `subject-${i}`, data: { n: i } }));
      }
      return ids;
    },
    { maxWait: 30_000, timeout: 120_000 },
  );
}

/** Waits until `check` holds (no timing assertion: a generous bound only to fail rather than hang). */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`not reached in ${timeoutMs / 1000} s: ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The CNSS service, as the health-insurance register asks the graph (it holds events:read, nationwide). */
export const CNSS_SERVICE = {
  sub: "service:health-insurance",
  agency: "CNSS",
  role: "SERVICE",
  purpose: "AMO_ENROLMENT",
} as const;

/** A reaction table without a unique key on the event: a reaction done twice would show as two rows. */
export const REACTION_TABLE = `CREATE TABLE IF NOT EXISTS test_reaction (
  id bigserial PRIMARY KEY, event_id uuid NOT NULL, type text NOT NULL, at timestamptz NOT NULL DEFAULT now())`;

/** How many reactions each event got, by event id. */
export async function reactionsByEvent(sql: {
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>;
}): Promise<Map<string, number>> {
  const rows = await sql.query<{ event_id: string; n: number }>(
    "SELECT event_id::text AS event_id, count(*)::int AS n FROM test_reaction GROUP BY event_id",
  );
  return new Map(rows.map((r) => [r.event_id, r.n]));
}
