import { EnvError } from "../config/env.js";
import { subgraphEnv } from "../config/subgraph-env.js";
import { retryDelayMs, Stopper } from "../events/backoff.js";
import { personsNamedIn } from "../events/event-feed.js";

const PRODUCTION = {
  NODE_ENV: "production",
  POPULATION_DATABASE_URL: "postgresql://spx@db.example/population",
  GATEWAY_TOKEN_KEYS_FILE: "/etc/spx/token-keys",
  REDIS_URL: "redis://redis.example:6379",
};

describe("the events settings", () => {
  it("default to the graph feed, polled every second, the outbox relayed every 200 ms", () => {
    const env = subgraphEnv("POPULATION", 4001, {});
    expect(env).toMatchObject({ natsUrl: undefined, eventsPollIntervalMs: 1000, eventsRelayIntervalMs: 200 });
  });

  it("allow the graph feed in production (NATS_URL unset) and take a NATS URL, several servers too", () => {
    expect(subgraphEnv("POPULATION", 4001, PRODUCTION).natsUrl).toBeUndefined();
    expect(subgraphEnv("POPULATION", 4001, { ...PRODUCTION, NATS_URL: "" }).natsUrl).toBeUndefined();
    const nats = "nats://nats-1.example:4222,nats://nats-2.example:4222";
    expect(subgraphEnv("POPULATION", 4001, { ...PRODUCTION, NATS_URL: nats }).natsUrl).toBe(nats);
  });

  it("refuse what is no NATS URL and intervals out of range, naming each setting", () => {
    try {
      subgraphEnv("POPULATION", 4001, {
        NATS_URL: "http://nats.example:4222",
        EVENTS_POLL_INTERVAL_MS: "0",
        EVENTS_RELAY_INTERVAL_MS: "soon",
      });
      throw new Error("accepted");
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      const issues = (error as EnvError).issues.join("\n");
      expect(issues).toContain("NATS_URL");
      expect(issues).toContain("EVENTS_POLL_INTERVAL_MS");
      expect(issues).toContain("EVENTS_RELAY_INTERVAL_MS");
    }
  });
});

describe("redelivery", () => {
  it("waits 1, 2, 4 … seconds between attempts, never more than a minute", () => {
    expect([1, 2, 3, 4, 7, 8, 30].map((attempt) => retryDelayMs(attempt))).toEqual([
      1_000, 2_000, 4_000, 8_000, 60_000, 60_000, 60_000,
    ]);
  });

  it("cuts a back-off short when the loop stops, so shutdown never waits for it", async () => {
    const stopper = new Stopper();
    const waiting = stopper.sleep(3_600_000);
    stopper.stop();
    await waiting;
    await stopper.sleep(3_600_000);
    expect(stopper.isStopped).toBe(true);
  });
});

describe("the persons an event names (for the access log)", () => {
  it("are every IDCS of its data: the person, the parents, the spouses, the child and the guardian", () => {
    expect(personsNamedIn({ idcs: "1", dateOfDeath: "2026-01-01" })).toEqual(["1"]);
    expect(personsNamedIn({ idcs: "2", motherIdcs: "3", fatherIdcs: null, birthDate: "2026-01-01" })).toEqual([
      "2",
      "3",
    ]);
    expect(personsNamedIn({ marriageId: "m", spouses: ["4", "5"], date: "2026-01-01" })).toEqual(["4", "5"]);
    expect(personsNamedIn({ id: "g", kind: "KAFALA", childIdcs: "6", guardianIdcs: "7" })).toEqual(["6", "7"]);
  });
});
