import type { IncomingMessage } from "node:http";
import type { InboundTrust } from "@spx/runtime/telemetry";
import type { Authenticate } from "./authenticate.js";

/**
 * Whose `traceparent` the gateway continues (W3C Trace Context §51). An anonymous or outside
 * client must not choose trace ids nor force sampling, so its request starts a trace of the
 * gateway's own, sampled by the gateway, the inbound context kept only as a link. A call from one
 * of the system's own registers (an authenticated SERVICE caller) continues its caller's trace,
 * so that a register-to-register call through the gateway stays in the trace of the query that
 * caused it. Deciding needs the caller before the request's span starts: the request is
 * authenticated once, here, only when it carries a traceparent, and the context reuses that answer.
 */
export function traceTrust(authenticate: Authenticate): { authenticate: Authenticate; trust: InboundTrust } {
  const answers = new WeakMap<IncomingMessage, Promise<Awaited<ReturnType<Authenticate>>>>();
  const once: Authenticate = (req) => {
    let answer = answers.get(req);
    if (!answer) {
      answer = authenticate(req);
      answers.set(req, answer);
    }
    return answer;
  };
  return {
    authenticate: once,
    trust: { decide: async (req) => (await once(req)).role === "SERVICE" },
  };
}
