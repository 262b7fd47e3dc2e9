import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  getOperationAST,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  SchemaMetaFieldDef,
  type SelectionSetNode,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type ValueNode,
} from 'graphql';

import { AppError, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../common/index.js';
import type { GraphQLLimitsConfig } from '../config/index.js';

export type CostLimits = Pick<GraphQLLimitsConfig, 'maxDepth' | 'maxAliases' | 'maxFields' | 'maxCost'>;

/** What an operation asks for, measured on its document before anything runs. */
export interface OperationCost {
  depth: number;
  aliases: number;
  fields: number;
  /** Objects the operation may produce: each object-typed field counts the rows above it. */
  cost: number;
  /** The walk stopped at maxFields: the other figures are lower bounds. */
  truncated: boolean;
}

class FieldBudgetExceeded extends Error {}

type Variables = Readonly<Record<string, unknown>> | null | undefined;

/** The number a `first` argument asks for: literal, variable, variable default or the field's default. */
function requestedRows(node: FieldNode, def: GraphQLField<unknown, unknown>, op: OperationDefinitionNode, variables: Variables): number {
  const arg = def.args.find((a) => a.name === 'first');
  if (!arg) return 1;
  const valueNode: ValueNode | undefined = node.arguments?.find((a) => a.name.value === 'first')?.value;
  let value: unknown = arg.defaultValue;
  if (valueNode?.kind === Kind.INT) value = Number(valueNode.value);
  else if (valueNode?.kind === Kind.NULL) value = null;
  else if (valueNode?.kind === Kind.VARIABLE) {
    const name = valueNode.name.value;
    if (variables && name in variables) value = variables[name];
    else {
      const defaultNode = op.variableDefinitions?.find((v) => v.variable.name.value === name)?.defaultValue;
      value = defaultNode?.kind === Kind.INT ? Number(defaultNode.value) : arg.defaultValue;
    }
  }
  if (value === null || value === undefined) return DEFAULT_PAGE_SIZE;
  // Out-of-range values are refused by the resolver (BAD_USER_INPUT); cost them at the most they could fetch.
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(Math.floor(value), 0), MAX_PAGE_SIZE) : MAX_PAGE_SIZE;
}

function fieldDefinition(schema: GraphQLSchema, parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === '__typename') return TypeNameMetaFieldDef;
  if (parent && parent === schema.getQueryType()) {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
  }
  return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
}

/**
 * Measures an operation: depth, aliases, field selections (fragments expanded, each spread counted where it is
 * used) and cost. Connection fields (those with a `first` argument) multiply what is below them by the rows they
 * may return. The walk visits at most `maxFields + 1` fields, so a fragment bomb costs no more than that.
 * Documents need not be validated: unknown fields count as leaves, fragment cycles are not followed.
 */
export function measureOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Variables, maxFields: number): OperationCost | null {
  const op = getOperationAST(document, operationName);
  if (!op) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const result: OperationCost = { depth: 0, aliases: 0, fields: 0, cost: 0, truncated: false };
  const inFragments = new Set<string>();

  const walk = (set: SelectionSetNode, parent: GraphQLNamedType | undefined, rows: number, depth: number): void => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        walk(sel.selectionSet, type ?? undefined, rows, depth);
      } else if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (!fragment || inFragments.has(name)) continue;
        inFragments.add(name);
        walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? undefined, rows, depth);
        inFragments.delete(name);
      } else {
        if (++result.fields > maxFields) throw new FieldBudgetExceeded();
        if (sel.alias) result.aliases++;
        const def = fieldDefinition(schema, parent, sel.name.value);
        // Walking a type's wrappers (`ofType`) in introspection does not make the answer grow.
        const fieldDepth = sel.name.value === 'ofType' ? depth : depth + 1;
        result.depth = Math.max(result.depth, fieldDepth);
        if (!sel.selectionSet) continue;
        result.cost += rows;
        const below = def ? Math.min(rows * requestedRows(sel, def, op, variables), Number.MAX_SAFE_INTEGER) : rows;
        walk(sel.selectionSet, def ? getNamedType(def.type) : undefined, below, fieldDepth);
      }
    }
  };
  const root = schema.getRootType(op.operation) ?? undefined;
  try {
    walk(op.selectionSet, root, 1, 0);
  } catch (err) {
    if (!(err instanceof FieldBudgetExceeded)) throw err;
    result.truncated = true;
  }
  return result;
}

/** The first limit the operation exceeds, as a client error (QUERY_TOO_COMPLEX), or null. */
export function checkOperationCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Variables, limits: CostLimits): GraphQLError | null {
  const m = measureOperation(schema, document, operationName, variables, limits.maxFields);
  if (!m) return null;
  let error: AppError | null = null;
  if (m.truncated) error = new AppError('QUERY_TOO_COMPLEX', `Operation selects more than ${limits.maxFields} fields`, { fields: m.fields, maxFields: limits.maxFields });
  else if (m.depth > limits.maxDepth)
    error = new AppError('QUERY_TOO_COMPLEX', `Operation is ${m.depth} levels deep; at most ${limits.maxDepth} allowed`, { depth: m.depth, maxDepth: limits.maxDepth });
  else if (m.aliases > limits.maxAliases)
    error = new AppError('QUERY_TOO_COMPLEX', `Operation uses ${m.aliases} aliases; at most ${limits.maxAliases} allowed`, { aliases: m.aliases, maxAliases: limits.maxAliases });
  else if (m.cost > limits.maxCost)
    error = new AppError('QUERY_TOO_COMPLEX', `Operation cost ${m.cost} exceeds the limit of ${limits.maxCost}; ask for fewer rows (first) or less nesting`, { cost: m.cost, maxCost: limits.maxCost });
  if (!error) return null;
  return new GraphQLError(error.message, { originalError: error, extensions: { code: error.code, ...error.details, http: { status: 400 } } });
}
