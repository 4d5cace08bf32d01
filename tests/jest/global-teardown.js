import { rmSync } from "node:fs";
import path from "node:path";

export default async function globalTeardown() {
  const template = process.env.SPX_TEST_PGLITE_TEMPLATE;
  if (template) {
    rmSync(path.dirname(template), { recursive: true, force: true });
  }
}
