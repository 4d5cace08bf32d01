import { readFileSync } from "node:fs";
import { Kind, parse, type ValueNode } from "graphql";

export interface SubgraphEndpoint {
  name: string;
  url: string;
}

function stringArg(args: readonly { name: { value: string }; value: ValueNode }[] | undefined, name: string) {
  const value = args?.find((arg) => arg.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

/** Reads the committed supergraph and lists its subgraphs (from `enum join__Graph`). */
export function loadSupergraph(file: string): { sdl: string; subgraphs: SubgraphEndpoint[] } {
  const sdl = readFileSync(file, "utf8");
  const subgraphs: SubgraphEndpoint[] = [];
  for (const definition of parse(sdl).definitions) {
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === "join__Graph") {
      for (const value of definition.values ?? []) {
        const graph = value.directives?.find((d) => d.name.value === "join__graph");
        const name = stringArg(graph?.arguments, "name");
        const url = stringArg(graph?.arguments, "url");
        if (name && url) {
          subgraphs.push({ name, url });
        }
      }
    }
  }
  return { sdl, subgraphs };
}
