const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether an id from a request can be a row's UUID: PostgreSQL refuses to compare a uuid column
 * with anything else, so a malformed id is answered "not found" without asking the database, and
 * what the database does answer (busy included) is never mistaken for "not found".
 */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** Looks a row up by a request's id, or answers null for an id that cannot be one. */
export async function findByUuid<T>(id: string, find: (id: string) => Promise<T | null>): Promise<T | null> {
  return isUuid(id) ? find(id) : null;
}
