import { errorChain } from "../errors/error-chain.js";

/**
 * Whether `error` is a unique-constraint violation, optionally on a constraint or column whose
 * name contains `name`. Prisma reports P2002 over adapter-pg; over PGlite the driver error
 * arrives raw with SQLSTATE 23505. Anything else is not ours to interpret.
 */
export function isUniqueViolation(error: unknown, name?: string): boolean {
  for (const record of errorChain(error)) {
    const meta = record.meta;
    if (record.code === "P2002" || record.code === "23505" || meta?.code === "23505") {
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
  }
  return false;
}
