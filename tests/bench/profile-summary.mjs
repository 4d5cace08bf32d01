// A flame summary of a V8 CPU profile (node --cpu-prof): where the busy time went, by package and
// by function (self time), idle time left out. For the benchmark report, where a target is missed.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * @typedef {object} CpuProfile The parts of a V8 .cpuprofile read here.
 * @property {{ id: number, callFrame: { functionName: string, url: string } }[]} nodes
 * @property {number[]} samples the node of each sample
 * @property {number[]} timeDeltas microseconds before each sample
 */
/** @typedef {{ busyMs: number, areas: [string, number][], functions: [string, number][] }} ProfileSummary */

/**
 * "@apollo/gateway", "gateway (this project)", "node:internal/http", "(garbage collector)".
 * @param {string} url
 * @param {string} name
 */
function areaOf(url, name) {
  if (!url) {
    return name.startsWith("(") ? name : "(native)";
  }
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module?.[1]) {
    return module[1];
  }
  const project = /\/(gateway|subgraphs\/[^/]+|tests)\/dist\//.exec(url) ?? /\/(gateway|subgraphs\/[^/]+)\//.exec(url);
  if (project) {
    return `${project[1]} (this project)`;
  }
  return url.startsWith("node:") ? url.split("/").slice(0, 2).join("/") : url;
}

/**
 * Summarises the newest .cpuprofile in `dir`: { busyMs, areas: [[area, ms]], functions: [[fn, ms]] }.
 * @param {string} dir
 * @returns {ProfileSummary | undefined}
 */
export function summariseProfile(dir, top = 12) {
  const file = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .sort()
    .pop();
  if (!file) {
    return undefined;
  }
  /** @type {CpuProfile} */
  const profile = JSON.parse(readFileSync(path.join(dir, file), "utf8"));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  /** @type {Map<string, number>} */
  const areas = new Map();
  /** @type {Map<string, number>} */
  const functions = new Map();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id);
    if (!node) {
      return;
    }
    const { callFrame } = node;
    const name = callFrame.functionName || "(anonymous)";
    if (name === "(idle)" || name === "(program)") {
      return;
    }
    const micros = profile.timeDeltas[i] ?? 0;
    busy += micros;
    const area = areaOf(callFrame.url, name);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const where = callFrame.url ? `${area}: ${name}` : name;
    functions.set(where, (functions.get(where) ?? 0) + micros);
  });
  /**
   * @param {Map<string, number>} map
   * @returns {[string, number][]}
   */
  const ranked = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, micros]) => [key, micros / 1000]);
  return { busyMs: busy / 1000, areas: ranked(areas), functions: ranked(functions) };
}

/**
 * Markdown lines for a summary: share of busy time by package, then the hottest functions.
 * @param {ProfileSummary} summary
 */
export function profileLines(summary) {
  /** @param {number} ms */
  const share = (ms) => `${((100 * ms) / summary.busyMs).toFixed(1)}%`;
  return [
    `Busy time ${(summary.busyMs / 1000).toFixed(1)} s. By package (self time):`,
    "",
    "| Package | Share of busy time |",
    "| --- | --- |",
    ...summary.areas.map(([area, ms]) => `| ${area} | ${share(ms)} |`),
    "",
    "Hottest functions (self time):",
    "",
    "| Function | Share of busy time |",
    "| --- | --- |",
    ...summary.functions.map(([fn, ms]) => `| ${fn.replace(/\|/g, "\\|")} | ${share(ms)} |`),
  ];
}
