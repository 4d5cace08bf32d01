/** The built console, served by the gateway at /. */
export declare const CONSOLE_DIST_DIR: string;
/** The console's sources (its .graphql documents live next to their pages). */
export declare const CONSOLE_SOURCE_DIR: string;
/** What codegen writes (gitignored). */
export declare const CONSOLE_GENERATED_DIR: string;
/** Codegen's persisted documents: { "sha256:<hex>": exact text }. */
export declare const CONSOLE_PERSISTED_DOCUMENTS_FILE: string;
/** Which manifests each page folder's documents are registered in. */
export declare const CONSOLE_DOCUMENT_OWNERS_FILE: string;
