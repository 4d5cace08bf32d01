import { keyedLoader } from "@spx/runtime/database";
import { type Hash, type NodeId, type NodeSource, TlogError } from "@spx/runtime/tlog";
import type { AccessLogTree } from "./tree.js";

const keyOf = (id: NodeId) => `${id.level}/${id.index}`;

function idOf(key: string): NodeId {
  const [level, index] = key.split("/");
  return { level: Number(level), index: Number(index) };
}

/**
 * The tree's nodes as one request reads them: the proofs of a page's entries each ask their nodes
 * in the same tick, so a per-request loader answers them all with ONE `tree.nodes()` query (the
 * union of their ids, each once: the upper nodes are shared by every proof) instead of one query
 * per entry.
 */
export function requestNodeSource(tree: AccessLogTree): NodeSource {
  const loader = keyedLoader(
    async (keys: readonly string[]) => {
      const ids = keys.map(idOf);
      const hashes = await tree.nodes(ids);
      return ids.map((id, i) => ({ key: keyOf(id), hash: hashes[i] as Hash }));
    },
    (row) => row.key,
  );
  return {
    async nodes(ids) {
      const rows = await Promise.all(ids.map((id) => loader.load(keyOf(id))));
      return rows.map((row, i) => {
        if (!row) {
          const id = ids[i] as NodeId;
          throw new TlogError(
            "MISSING_NODE",
            `the access log's tree has no node at level ${id.level}, index ${id.index}`,
          );
        }
        return row.hash;
      });
    },
  };
}
