/**
 * Cutting an answer out of the protected lattice: the cells grouped by the dimensions asked, the
 * others at their total, ordered by the dimensions asked (categories ascending, a total after its
 * parts). Only cells the register returned are answered; the others are empty (0) by definition.
 */
import { coordinatesOf, type Lattice } from "./lattice.js";
import type { ProtectedCell, ProtectedLattice } from "./types.js";

export function answerer(lattice: Lattice, cells: ReadonlyMap<number, ProtectedCell>): ProtectedLattice["answer"] {
  const names = lattice.dimensions.map((d) => d.name);
  const totals = lattice.dimensions.map((d) => d.categories.length);
  // In cell-number order, which is the dimensions' order with categories ascending.
  const entries = [...cells.keys()]
    .sort((a, b) => a - b)
    .map((id) => ({ coordinates: coordinatesOf(lattice, id), cell: cells.get(id) as ProtectedCell }));
  return (by, options = {}) => {
    const unknown = by.find((name) => !names.includes(name));
    if (unknown !== undefined) {
      throw new Error(`${unknown} is not a dimension of this statistic`);
    }
    const grouped = names.map((name) => by.includes(name));
    const order = [...new Set(by)].map((name) => names.indexOf(name));
    return entries
      .filter(({ coordinates }) =>
        coordinates.every((coordinate, d) => {
          const total = coordinate === totals[d];
          return grouped[d] ? options.totals === true || !total : total;
        }),
      )
      .sort((a, b) => {
        for (const d of order) {
          const difference = (a.coordinates[d] ?? 0) - (b.coordinates[d] ?? 0);
          if (difference !== 0) {
            return difference;
          }
        }
        return 0;
      })
      .map(({ cell }) => cell);
  };
}
