// Benchmark, not a test: CPU time of one index computation (verification + model), measured over
// the demo households. Run after `npm run build`: `npm run -w @spx/social-registry bench:index`.
import { assessDeclaration } from "../dist/assessment.js";
import { loadShippedModels } from "../dist/domain/models.js";
import { generateDemoHouseholds } from "../dist/seed/demo-households.js";

const models = loadShippedModels();
const today = new Date();
const households = [...generateDemoHouseholds({ today })].map((h) => ({
  ...h,
  ages: new Map(h.members.map((m) => [m.idcs, Math.floor((today - m.birthDate) / (365.25 * 86_400_000))])),
}));
const run = () => {
  for (const h of households) {
    assessDeclaration({
      household: h,
      headIdcs: h.headIdcs,
      input: h.declaration,
      ages: h.ages,
      records: h.records,
      models,
      on: today,
    });
  }
};
for (let i = 0; i < 20; i++) {
  run();
}
const rounds = 200;
const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
for (let i = 0; i < rounds; i++) {
  run();
}
const wallNs = Number(process.hrtime.bigint() - started);
const cpu = process.cpuUsage(cpuBefore);
const computations = rounds * households.length;
console.log(
  `${computations} index computations: ${((cpu.user + cpu.system) / computations).toFixed(2)} µs CPU each, ` +
    `${(wallNs / computations / 1000).toFixed(2)} µs wall each (${households.length} demo households × ${rounds} rounds)`,
);
