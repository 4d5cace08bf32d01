import { readFileSync } from "node:fs";
import { type IndexModel, parseIndexModel } from "./index-model.js";

const SHIPPED = ["pmt-v1-urban.json", "pmt-v1-rural.json"];

/** The coefficient sets shipped with the register (models/ at the package root). */
export function loadShippedModels(): IndexModel[] {
  return SHIPPED.map((file) =>
    parseIndexModel(JSON.parse(readFileSync(new URL(`../../models/${file}`, import.meta.url), "utf8"))),
  );
}
