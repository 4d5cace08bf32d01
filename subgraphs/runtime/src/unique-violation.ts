/**
 * Whether `error` is a unique-constraint violation, optionally on a constraint or column whose
 * name contains `name`. Prisma reports P2002 over adapter-pg; over PGlite the driver error
 * arrives raw with SQLSTATE 23505. Anything else is not ours to interpret.
 */
export function isUniqueViolation(error: unknown, name?: string): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const record = current as Record<string, unknown>;
    const meta = record.meta as Record<string, unknown> | undefined;
    const isViolation = record.code === "P2002" || record.code === "23505" || meta?.code === "23505";
    if (isViolation) {
      return (
        name === undefined ||
        JSON.stringify({
          meta,
          detail: record.detail,
          constraint: record.constraint,
          message: record.message,
        }).includes(name)
      );
    }
    current = record.cause ?? meta?.driverAdapterError;
  }
  return false;
}
