import type { EventHandler, RegisterEvent } from "./register-event.js";

/**
 * Hands an event to every handler of its source that wants its type, in declaration order. A
 * handler that throws leaves the event unconsumed; the handlers that ran before it see it again on
 * redelivery and recognise it (consumeOnce).
 */
export async function dispatch(handlers: readonly EventHandler[], event: RegisterEvent): Promise<boolean> {
  let handled = false;
  for (const handler of handlers) {
    if (handler.source === event.source && handler.types.includes(event.type)) {
      await handler.handle(event);
      handled = true;
    }
  }
  return handled;
}

/** A failed delivery in the log: the event's id and type only, never its subject or data (personal data). */
export function deliveryFailure(event: RegisterEvent, error: unknown, attempt: number) {
  return {
    eventId: event.id,
    eventType: event.type,
    source: event.source,
    attempt,
    err: error instanceof Error ? { type: error.name, message: error.message } : { message: String(error) },
  };
}
