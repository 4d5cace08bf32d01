import { LRUCache } from "lru-cache";
import type { OperationShape } from "./operation-shape.js";

/** Entries and bytes: a shape is seven numbers, its key a hash and an operation name. */
const SHAPES_MAX = 10_000;
const SHAPES_MAX_BYTES = 4 * 1024 * 1024;
const SHAPE_BYTES = 7 * 8 + 64;

/**
 * Shapes of the documents seen lately. A document's shape does not depend on who sends it, so
 * every caller shares one entry per (document, operation).
 */
export class ShapeCache {
  private readonly shapes = new LRUCache<string, OperationShape>({
    max: SHAPES_MAX,
    maxSize: SHAPES_MAX_BYTES,
    sizeCalculation: (_shape, key) => SHAPE_BYTES + 2 * key.length,
  });

  of(queryHash: string, operationName: string | null, measure: () => OperationShape): OperationShape {
    const key = `${queryHash}\n${operationName ?? ""}`;
    let shape = this.shapes.get(key);
    if (!shape) {
      shape = measure();
      this.shapes.set(key, shape);
    }
    return shape;
  }

  get size(): number {
    return this.shapes.size;
  }

  get bytes(): number {
    return this.shapes.calculatedSize;
  }

  static readonly maxBytes = SHAPES_MAX_BYTES;
}
