import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where the built console is when CONSOLE_DIR does not say: @spx/console's `dist`, found through
 * the package where it is installed (the repository's workspaces), else at the same place beside
 * the gateway as in the repository (`console/dist`; the container image copies it there).
 */
export function defaultConsoleDir(): string {
  try {
    const manifest = createRequire(import.meta.url).resolve("@spx/console/package.json");
    return path.join(path.dirname(manifest), "dist");
  } catch {
    // gateway/dist/console/console-dir.js → <root>/console/dist
    return fileURLToPath(new URL("../../../console/dist", import.meta.url));
  }
}
