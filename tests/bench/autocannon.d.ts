// autocannon ships no types and @types/autocannon describes version 7: this is the part of
// autocannon 8 that the benchmarks use, as lib/run.js builds it.
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  /** One request as autocannon is about to send it. */
  export interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }

  export interface RequestSpec {
    /** Returns the request to send (or a falsy value to reset the sequence). */
    setupRequest?: (request: Request) => Request;
  }

  export interface Options {
    url: string;
    method?: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    /** Seconds before a request counts as an error. */
    timeout?: number;
    headers?: Record<string, string>;
    body?: string;
    requests?: RequestSpec[];
    /** False marks the answer a mismatch. */
    verifyBody?: (body: string) => boolean;
  }

  /** Percentiles and averages of one histogram (latency in ms, requests and bytes per second). */
  export interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p50: number;
    p90: number;
    p97_5: number;
    p99: number;
  }

  export interface Result {
    latency: Histogram;
    requests: Histogram;
    throughput: Histogram;
    errors: number;
    timeouts: number;
    mismatches: number;
    non2xx: number;
    /** Seconds, to the hundredth. */
    duration: number;
  }

  export interface Instance extends EventEmitter {
    on(
      event: "response",
      listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void,
    ): this;
    stop(): void;
  }

  export default function autocannon(
    options: Options,
    callback: (error: Error | null, result: Result) => void,
  ): Instance;
}
