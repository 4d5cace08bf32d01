import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import {
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLFormattedError,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  typeFromAST,
} from "graphql";
import { type Fragments, fragmentsOf } from "../document-parts.js";

/*
 * When one register refuses an entity another register pointed to, @apollo/gateway keeps the
 * object the first register returned: a household member's person arrives as `{ idcs }` beside
 * the population register's FORBIDDEN at the same path. Whatever sits at the path of a FORBIDDEN
 * is therefore replaced by null before the answer leaves, so that a refusal never comes with data
 * about what was refused. Should that position be non-null, the null goes to the nearest nullable
 * position above it, as GraphQL's own null propagation would take it.
 */

type Path = readonly (string | number)[];
type Json = Record<string, unknown>;

interface Walk {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Fragments;
}

/** The field nodes answering `key` in these selection sets, each with the type it was selected on. */
function fieldsAnswering(
  walk: Walk,
  sets: { selectionSet: SelectionSetNode; on: GraphQLCompositeType }[],
  key: string,
): { node: FieldNode; on: GraphQLCompositeType }[] {
  const found: { node: FieldNode; on: GraphQLCompositeType }[] = [];
  const visit = (selectionSet: SelectionSetNode, on: GraphQLCompositeType) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if ((selection.alias ?? selection.name).value === key) {
          found.push({ node: selection, on });
        }
        continue;
      }
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? walk.fragments.get(selection.name.value) : selection;
      if (!fragment) {
        continue;
      }
      const condition = fragment.typeCondition ? typeFromAST(walk.schema, fragment.typeCondition) : on;
      visit(fragment.selectionSet, condition && isCompositeType(condition) ? condition : on);
    }
  };
  for (const set of sets) {
    visit(set.selectionSet, set.on);
  }
  return found;
}

/** The declared type of each position along `path`, as far as the operation tells. */
function typesAlong(walk: Walk, path: Path): GraphQLOutputType[] {
  const root = walk.schema.getRootType(walk.operation.operation);
  if (!root) {
    return [];
  }
  const types: GraphQLOutputType[] = [];
  let type: GraphQLOutputType = root;
  let sets: { selectionSet: SelectionSetNode; on: GraphQLCompositeType }[] = [
    { selectionSet: walk.operation.selectionSet, on: root },
  ];
  for (const segment of path) {
    if (typeof segment === "number") {
      const list: GraphQLOutputType = isNonNullType(type) ? type.ofType : type;
      if (!isListType(list)) {
        break;
      }
      type = list.ofType;
    } else {
      const fields = fieldsAnswering(walk, sets, segment);
      const first = fields[0];
      const owner = first?.on;
      const definition =
        owner && (isObjectType(owner) || isInterfaceType(owner)) ? owner.getFields()[first.node.name.value] : undefined;
      if (!definition) {
        break;
      }
      type = definition.type;
      const named = getNamedType(type);
      sets = isCompositeType(named)
        ? fields.flatMap((f) => (f.node.selectionSet ? [{ selectionSet: f.node.selectionSet, on: named }] : []))
        : [];
    }
    types.push(type);
  }
  return types;
}

function containerAt(data: Json, path: Path): unknown {
  let current: unknown = data;
  for (const segment of path) {
    if (current === null || typeof current !== "object") {
      return undefined;
    }
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** Nulls the value at `path`, or at the nearest nullable position above it; false if it cannot. */
function nullAt(walk: Walk, data: Json, path: Path): boolean {
  if (path.length === 0) {
    return false;
  }
  const types = typesAlong(walk, path);
  if (types.length !== path.length) {
    return false;
  }
  for (let depth = path.length; depth >= 1; depth--) {
    if (!isNonNullType(types[depth - 1])) {
      const parent = containerAt(data, path.slice(0, depth - 1));
      if (parent !== null && typeof parent === "object") {
        (parent as Record<string | number, unknown>)[path[depth - 1] as string | number] = null;
        return true;
      }
      return false;
    }
  }
  return false;
}

/** Replaces, in `data`, anything served at the path of a FORBIDDEN error with null. */
export function nullRefused(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  data: Json,
  errors: readonly GraphQLFormattedError[],
): void {
  let walk: Walk | undefined;
  for (const error of errors) {
    if (error.extensions?.code !== "FORBIDDEN" || !error.path?.length) {
      continue;
    }
    const value = containerAt(data, error.path);
    if (value === null || value === undefined) {
      continue;
    }
    if (!walk) {
      walk = { schema, operation, fragments: fragmentsOf(document) };
    }
    nullAt(walk, data, error.path);
  }
}

/** Replaces anything served at the path of a FORBIDDEN error with null. */
export function nullRefusedObjectsPlugin<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, schema, operation, document }) {
          if (response.body.kind !== "single" || !operation || !document) {
            return;
          }
          const { data, errors } = response.body.singleResult;
          if (data && errors) {
            nullRefused(schema, document, operation, data, errors);
          }
        },
      };
    },
  };
}
