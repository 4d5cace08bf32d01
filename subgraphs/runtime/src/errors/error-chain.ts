/**
 * Each object along an error's chain: the error itself, its `cause`, and the driver's error that
 * Prisma wraps in `meta.driverAdapterError`; a cycle ends the walk.
 */
export function* errorChain(error: unknown): Generator<Record<string, unknown> & { meta?: Record<string, unknown> }> {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const record = current as Record<string, unknown> & { meta?: Record<string, unknown> };
    yield record;
    current = record.cause ?? record.meta?.driverAdapterError;
  }
}
