import type { CodegenConfig } from "@graphql-codegen/cli";

/*
 * The console's operations are typed from the committed supergraph and hashed as trusted
 * documents: src/generated/persisted-documents.json (id → exact text) is what
 * `npm run -s documents -- console` registers in schema/trusted-documents/, and the hash embedded in
 * each generated document is what the browser sends instead of the text.
 */
const config: CodegenConfig = {
  schema: "../schema/supergraph.graphql",
  documents: ["src/**/*.graphql", "src/**/*.{ts,tsx}", "!src/generated/**"],
  ignoreNoDocuments: true,
  generates: {
    "src/generated/": {
      preset: "client",
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { hashAlgorithm: "sha256", mode: "embedHashInDocument" },
      },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: {
          Date: "string",
          DateTime: "string",
          MadAmount: "string",
          Decimal7: "string",
          join__DirectiveArguments: "unknown",
          join__FieldSet: "string",
          join__FieldValue: "unknown",
          link__Import: "unknown",
          policy__Policy: "string",
          requiresScopes__Scope: "string",
        },
      },
    },
  },
};

export default config;
