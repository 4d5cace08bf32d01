import { declare, livingConditions } from "./fixtures.js";
import type { RunningSystem } from "./start-system.js";

/**
 * Gives a household a notice the real way: the registrar declares living conditions that raise
 * its index above the programmes' thresholds, the social register writes `eligibility.changed`,
 * and the programmes' consumers, once the events are delivered, announce the suspension. Returns
 * the new score.
 */
export async function raiseIndexAboveThresholds(system: RunningSystem, householdId: string): Promise<string> {
  const members = await system.socialRegistryDb.database.sql.query<{ person_idcs: string; relationship: string }>(
    `SELECT person_idcs, relationship FROM membership WHERE household_id = $1 AND until IS NULL
      ORDER BY relationship = 'HEAD' DESC, person_idcs`,
    [householdId],
  );
  const births = new Map(
    (
      await system.populationDb.database.sql.query<{ idcs: string; birth_date: Date }>(
        "SELECT idcs, birth_date FROM person WHERE idcs = ANY($1)",
        [members.map((m) => m.person_idcs)],
      )
    ).map((p) => [p.idcs, p.birth_date]),
  );
  const adult = (idcs: string) => {
    const born = births.get(idcs);
    return born !== undefined && Date.now() - born.getTime() > 18 * 365.25 * 86_400_000;
  };
  const token = await system.token({ sub: "test:registrar", agency: "ANR", role: "SYSTEM", purpose: "REGISTRATION" });
  const score = await declare(
    system,
    token,
    householdId,
    livingConditions(
      "COMFORTABLE",
      members.map((m) => ({
        idcs: m.person_idcs,
        occupation:
          m.relationship === "HEAD"
            ? "PUBLIC_EMPLOYEE"
            : m.relationship === "SPOUSE"
              ? "HOMEMAKER"
              : adult(m.person_idcs)
                ? "OTHER"
                : "CHILD",
      })),
    ),
  );
  await system.drainEvents();
  return score;
}
