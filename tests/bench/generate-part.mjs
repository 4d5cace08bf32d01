// One part of the generated national data, written to COPY files: data-generate.mjs runs one part
// per core in worker threads. A part draws every family of the population's single random stream
// (about 8% of the work, measured on 60,000 persons) and works out only its own households, their
// registers' rows and the COPY text (the rest), so that two cores generate in a little over half
// the time of one and every run, whatever its number of parts, gives the very same rows.
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { aidRows, paidMonths } from "@spx/direct-aid/seed/seed-demo";
import { insuranceRows } from "@spx/health-insurance/seed/seed-demo";
import { civilRows, personsOf } from "@spx/population/seed/seed-demo";
import { CopyFileWriter, tableColumns } from "@spx/runtime/database";
import { scoredDemoHouseholds } from "@spx/social-registry/seed/demo-households";
import { registryRows } from "@spx/social-registry/seed/registry-rows";
import pg from "pg";

/**
 * @typedef {object} PartOptions
 * @property {number} seed
 * @property {number} persons the whole run's persons (every part draws the same families)
 * @property {string} today ISO day the data is dated from
 * @property {{ index: number, of: number }} part
 * @property {string} scratch the directory of the COPY files
 * @property {{ name: string, url: string, load: string[] }[]} registers
 */

/**
 * @typedef {object} PartResult
 * @property {{ table: string, file: string, keys: string[], rows: number }[]} files
 * @property {number} produced persons of this part's families
 * @property {number} households
 */

/** How often a part tells how far it is (persons). */
const REPORT_EVERY = 5_000;

/**
 * Writes one part's rows to COPY files under `scratch`, one per table.
 * @param {PartOptions} options
 * @param {(produced: number) => void} onProgress
 * @returns {Promise<PartResult>}
 */
export async function writePart({ seed, persons, today, part, scratch, registers }, onProgress) {
  const day = new Date(today);
  /** @type {pg.Client[]} */
  const clients = [];
  /** @type {Map<string, CopyFileWriter>} */
  const writers = new Map();
  try {
    for (const register of registers) {
      const client = new pg.Client({ connectionString: register.url });
      await client.connect();
      clients.push(client);
      // One query at a time per connection: first rows of several tables arrive together.
      /** @type {Promise<unknown>} */
      let lookups = Promise.resolve();
      /**
       * @param {string} table
       * @param {string[]} keys
       */
      const columnsOf = (table, keys) => {
        const columns = lookups.then(() => tableColumns(client, table, keys));
        lookups = columns.then(() => {});
        return columns;
      };
      for (const table of register.load) {
        const file = path.join(scratch, `${register.name}.${table}.${part.index}.copy`);
        writers.set(table, new CopyFileWriter(table, file, columnsOf));
      }
    }
    // Most writes return nothing to wait for (see CopyFileWriter.write); the rest are awaited once
    // per household.
    /** @type {Promise<void>[]} */
    const waits = [];
    /**
     * @param {string} table
     * @param {object} row
     */
    const write = (table, row) => {
      const writer = writers.get(table);
      if (!writer) {
        throw new Error(`no COPY file for ${table}`);
      }
      // Every generated row is a plain record of the table's columns.
      const wait = writer.write(/** @type {Record<string, unknown>} */ (row));
      if (wait) {
        waits.push(wait);
      }
    };
    const months = paidMonths(day);
    let produced = 0;
    let reported = 0;
    let households = 0;
    for (const household of scoredDemoHouseholds({ seed, persons, today: day, part })) {
      for (const person of personsOf(household.family)) {
        write("person", person);
      }
      // The family's civil status, as the demo seed writes it (no events: the starting state).
      for (const [table, rows] of Object.entries(civilRows(household.family.civil))) {
        for (const row of rows) {
          write(table === "history" ? "civil_status_record" : table, row);
        }
      }
      produced += household.family.deceased.length + household.family.members.length;
      households++;
      const registry = registryRows(household, household.assessment, day);
      write("household", registry.household);
      for (const row of registry.memberships) {
        write("membership", row);
      }
      write("declaration", registry.declaration);
      write("index_computation", registry.index);
      for (const row of registry.records) {
        write("reference_administrative_record", row);
      }
      const insurance = insuranceRows(household, day);
      if (insurance) {
        write("affiliation", insurance.affiliation);
        for (const row of insurance.coverages) {
          write("coverage", row);
        }
      }
      const aid = aidRows(household, day, months);
      if (aid) {
        write("enrolment", aid.enrolment);
        write("application", aid.application);
        for (const row of aid.orders) {
          write("payment_order", row);
        }
      }
      if (waits.length > 0) {
        await Promise.all(waits.splice(0));
      }
      if (produced - reported >= REPORT_EVERY) {
        onProgress(produced - reported);
        reported = produced;
      }
    }
    await Promise.all([...writers.values()].map((w) => w.close()));
    onProgress(produced - reported);
    return {
      files: [...writers.values()].map((w) => ({ ...w.copyFile, rows: w.rows })),
      produced,
      households,
    };
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => {})));
  }
}

// As a worker thread: the part named in workerData, its progress and its result posted back.
if (parentPort && workerData?.part) {
  const port = parentPort;
  writePart(/** @type {PartOptions} */ (workerData), (persons) => port.postMessage({ progress: persons })).then(
    (result) => port.postMessage({ result }),
    (error) => {
      throw error;
    },
  );
}
