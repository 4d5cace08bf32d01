import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";

/**
 * Whether the module at `moduleUrl` is the script node was started with (through npm's bin links
 * too, hence the real path), so that a CLI's module can also be imported by its tests.
 */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  try {
    return script !== undefined && moduleUrl === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}
