// Where the schema workspace's files are, for the packages that read them: no package reads
// another's files by a relative path.
import { fileURLToPath } from "node:url";

const file = (name) => fileURLToPath(new URL(name, import.meta.url));

export const AGENCY_CATALOGUE_FILE = file("./agency-catalogue.json");
export const SUPERGRAPH_FILE = file("./supergraph.graphql");
export const ACCESS_POLICY_FILE = file("./access-policy.md");
export const TRUSTED_DOCUMENTS_DIR = file("./trusted-documents");
export const SUBGRAPHS_FILE = file("./subgraphs.json");
