// Where the console's files are, for the packages that read them (the gateway serves dist/; the
// documents CLI registers the generated documents): no package reads another's files by a relative path.
import { fileURLToPath } from "node:url";

const file = (name) => fileURLToPath(new URL(name, import.meta.url));

export const CONSOLE_DIST_DIR = file("./dist");
export const CONSOLE_SOURCE_DIR = file("./src");
export const CONSOLE_GENERATED_DIR = file("./src/generated");
export const CONSOLE_PERSISTED_DOCUMENTS_FILE = file("./src/generated/persisted-documents.json");
export const CONSOLE_DOCUMENT_OWNERS_FILE = file("./trusted-documents.json");
