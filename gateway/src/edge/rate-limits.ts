import type { Access, Caller } from "@spx/runtime/access";
import type { Logger } from "@spx/runtime/logging";
import type { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import { type KeyedHash, keyedHash } from "./keyed-hash.js";
import {
  MemoryPersonsBudget,
  PERSONS_WINDOW_SECONDS,
  type PersonsBudget,
  RedisPersonsBudget,
} from "./persons-budget.js";
import type { LimitState } from "./rate-limit-headers.js";
import { RateLimitedError } from "./rate-limited-error.js";
import { RequestRates } from "./request-rates.js";

/** What a request was admitted with: the caller's own limits, for the RateLimit fields of the answer. */
export interface Admission {
  states: LimitState[];
}

export interface RateLimitsOptions {
  /** Shared by every gateway process through this Redis; this process's memory otherwise. */
  redis?: Redis | undefined;
  /**
   * Key of the hashes subjects and persons are stored under. Processes sharing a Redis must share
   * it; a random one (the default) suits a process on its own.
   */
  hashKey?: string | Buffer | undefined;
  /** Prefix of every Redis key, so that deployments (or tests) sharing a Redis stay apart. */
  prefix?: string;
  /** Told when Redis fails a command (at most once a minute). */
  logger?: Logger | undefined;
}

const FAILURE_LOG_INTERVAL_MS = 60_000;

// An HMAC per request was 0.06 of the gateway's 7.3 ms per person-360 (its CPU profile); officials
// active within minutes of each other are far fewer than this.
const SUBJECTS_REMEMBERED = 10_000;

/**
 * The catalogue's rate limits, checked as a request arrives (before it is parsed): requests per
 * second for the caller's grant, all its officials together, and for the caller alone; and the
 * distinct persons served to the caller within the hour. Persons are known only once a request
 * has been answered, so the request that crosses the limit is served (it is bounded by the
 * operation and cost limits) and the next one is refused until the hour is over.
 */
export class RateLimits {
  private readonly rates: RequestRates;
  private readonly persons: PersonsBudget;
  private readonly hash: KeyedHash;
  /** Subjects' hashes, worked out once per official seen lately rather than at every request. */
  private readonly subjects = new LRUCache<string, string>({ max: SUBJECTS_REMEMBERED });
  /** How a person is remembered: hashed for Redis; as is in memory, where nothing leaves the process. */
  private readonly personKey: KeyedHash;

  constructor(options: RateLimitsOptions = {}) {
    const prefix = options.prefix ?? "spx:edge";
    this.hash = keyedHash(options.hashKey);
    // 100 HMACs per batch of 100 persons cost 5% of a CNSS batch's throughput (npm run bench:edge).
    this.personKey = options.redis ? this.hash : (idcs) => idcs;
    let lastLogged = 0;
    const onFailure = (error: unknown) => {
      if (Date.now() - lastLogged > FAILURE_LOG_INTERVAL_MS) {
        lastLogged = Date.now();
        options.logger?.warn(
          { reason: error instanceof Error ? error.message : String(error) },
          "Redis failed a rate-limit command: limits applied in this process's memory",
        );
      }
    };
    this.rates = new RequestRates({ prefix, redis: options.redis, onFailure });
    const memory = new MemoryPersonsBudget();
    this.persons = options.redis ? new RedisPersonsBudget(options.redis, prefix, memory, onFailure) : memory;
  }

  /** Admits a request or throws RATE_LIMITED (HTTP 429) naming the limits it broke. */
  async admit(caller: Pick<Caller, "sub">, access: Access): Promise<Admission> {
    const limits = access.edge.rateLimits;
    const subject = this.subjectKey(caller.sub);
    const [own, grant, used] = await Promise.all([
      this.rates.take("subject", subject, limits.subject),
      // A grant key (e.g. ANSS/CASE_WORKER) names nobody, so it is stored as it is.
      this.rates.take("grant", access.key, limits.grant),
      this.persons.used(subject),
    ]);
    const persons = {
      allowed: used.count < limits.personsPerHour,
      name: "persons" as const,
      quota: limits.personsPerHour,
      windowSeconds: PERSONS_WINDOW_SECONDS,
      remaining: Math.max(0, limits.personsPerHour - used.count),
      msBeforeReset: used.msBeforeReset,
    };
    const violated = [own, grant, persons].filter((decision) => !decision.allowed);
    if (violated.length > 0) {
      throw new RateLimitedError(violated.map(({ allowed: _allowed, ...state }) => state));
    }
    // The grant's remainder tells how busy the other officials are: it is not shown to each one.
    return { states: [own, persons].map(({ allowed: _allowed, ...state }) => state) };
  }

  private subjectKey(sub: string): string {
    let key = this.subjects.get(sub);
    if (key === undefined) {
      key = this.hash(sub);
      this.subjects.set(sub, key);
    }
    return key;
  }

  /** Counts the persons (IDCS) an answer served to the caller. */
  async served(caller: Pick<Caller, "sub">, access: Access, persons: readonly string[]): Promise<void> {
    if (persons.length === 0) {
      return;
    }
    await this.persons.add(
      this.subjectKey(caller.sub),
      persons.map(this.personKey),
      access.edge.rateLimits.personsPerHour,
    );
  }
}
