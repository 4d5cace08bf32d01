import type { AdministrativeRecord, AdministrativeSource, VerifiedItem } from "./domain/verification.js";
import type { RegistryPrisma } from "./subgraph.js";

/**
 * The administrative source shipped with the register: a REFERENCE DATASET in this register's own
 * database (table reference_administrative_record), standing in for the utilities, the vehicle
 * registry and CNSS until exchanges with them exist. Other adapters implement the same interface.
 */
export class ReferenceDatasetSource implements AdministrativeSource {
  readonly name = "reference-dataset";

  constructor(private readonly prisma: Pick<RegistryPrisma, "referenceAdministrativeRecord">) {}

  async lookup(personIdcs: readonly string[]): Promise<AdministrativeRecord[]> {
    const rows = await this.prisma.referenceAdministrativeRecord.findMany({
      where: { personIdcs: { in: [...personIdcs] } },
    });
    return rows.map((row) => ({
      source: row.source,
      personIdcs: row.personIdcs,
      item: row.item as VerifiedItem,
      value: row.value,
    }));
  }
}
