"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.measureOperation = measureOperation;
exports.checkOperationCost = checkOperationCost;
const graphql_1 = require("graphql");
const errors_js_1 = require("../common/errors.js");
const pagination_js_1 = require("../common/pagination.js");
class FieldBudgetExceeded extends Error {
}
/** The number a `first` argument asks for: literal, variable, variable default or the field's default. */
function requestedRows(node, def, op, variables) {
    const arg = def.args.find((a) => a.name === 'first');
    if (!arg)
        return 1;
    const valueNode = node.arguments?.find((a) => a.name.value === 'first')?.value;
    let value = arg.defaultValue;
    if (valueNode?.kind === graphql_1.Kind.INT)
        value = Number(valueNode.value);
    else if (valueNode?.kind === graphql_1.Kind.NULL)
        value = null;
    else if (valueNode?.kind === graphql_1.Kind.VARIABLE) {
        const name = valueNode.name.value;
        if (variables && name in variables)
            value = variables[name];
        else {
            const defaultNode = op.variableDefinitions?.find((v) => v.variable.name.value === name)?.defaultValue;
            value = defaultNode?.kind === graphql_1.Kind.INT ? Number(defaultNode.value) : arg.defaultValue;
        }
    }
    if (value === null || value === undefined)
        return pagination_js_1.DEFAULT_PAGE_SIZE;
    // Out-of-range values are refused by the resolver (BAD_USER_INPUT); cost them at the most they could fetch.
    return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(Math.floor(value), 0), pagination_js_1.MAX_PAGE_SIZE) : pagination_js_1.MAX_PAGE_SIZE;
}
function fieldDefinition(schema, parent, name) {
    if (name === '__typename')
        return graphql_1.TypeNameMetaFieldDef;
    if (parent && parent === schema.getQueryType()) {
        if (name === '__schema')
            return graphql_1.SchemaMetaFieldDef;
        if (name === '__type')
            return graphql_1.TypeMetaFieldDef;
    }
    return parent && ((0, graphql_1.isObjectType)(parent) || (0, graphql_1.isInterfaceType)(parent)) ? parent.getFields()[name] : undefined;
}
/**
 * Measures an operation: depth, aliases, field selections (fragments expanded, each spread counted where it is
 * used) and cost. Connection fields (those with a `first` argument) multiply what is below them by the rows they
 * may return. The walk visits at most `maxFields + 1` fields, so a fragment bomb costs no more than that.
 * Documents need not be validated: unknown fields count as leaves, fragment cycles are not followed.
 */
function measureOperation(schema, document, operationName, variables, maxFields) {
    const op = (0, graphql_1.getOperationAST)(document, operationName);
    if (!op)
        return null;
    const fragments = new Map();
    for (const def of document.definitions)
        if (def.kind === graphql_1.Kind.FRAGMENT_DEFINITION)
            fragments.set(def.name.value, def);
    const result = { depth: 0, aliases: 0, fields: 0, cost: 0, truncated: false };
    const inFragments = new Set();
    const walk = (set, parent, rows, depth) => {
        for (const sel of set.selections) {
            if (sel.kind === graphql_1.Kind.INLINE_FRAGMENT) {
                const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
                walk(sel.selectionSet, type ?? undefined, rows, depth);
            }
            else if (sel.kind === graphql_1.Kind.FRAGMENT_SPREAD) {
                const name = sel.name.value;
                const fragment = fragments.get(name);
                if (!fragment || inFragments.has(name))
                    continue;
                inFragments.add(name);
                walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? undefined, rows, depth);
                inFragments.delete(name);
            }
            else {
                if (++result.fields > maxFields)
                    throw new FieldBudgetExceeded();
                if (sel.alias)
                    result.aliases++;
                const def = fieldDefinition(schema, parent, sel.name.value);
                // Walking a type's wrappers (`ofType`) in introspection does not make the answer grow.
                const fieldDepth = sel.name.value === 'ofType' ? depth : depth + 1;
                result.depth = Math.max(result.depth, fieldDepth);
                if (!sel.selectionSet)
                    continue;
                result.cost += rows;
                const below = def ? Math.min(rows * requestedRows(sel, def, op, variables), Number.MAX_SAFE_INTEGER) : rows;
                walk(sel.selectionSet, def ? (0, graphql_1.getNamedType)(def.type) : undefined, below, fieldDepth);
            }
        }
    };
    const root = schema.getRootType(op.operation) ?? undefined;
    try {
        walk(op.selectionSet, root, 1, 0);
    }
    catch (err) {
        if (!(err instanceof FieldBudgetExceeded))
            throw err;
        result.truncated = true;
    }
    return result;
}
/** The first limit the operation exceeds, as a client error (QUERY_TOO_COMPLEX), or null. */
function checkOperationCost(schema, document, operationName, variables, limits) {
    const m = measureOperation(schema, document, operationName, variables, limits.maxFields);
    if (!m)
        return null;
    let error = null;
    if (m.truncated)
        error = new errors_js_1.AppError('QUERY_TOO_COMPLEX', `Operation selects more than ${limits.maxFields} fields`, { fields: m.fields, maxFields: limits.maxFields });
    else if (m.depth > limits.maxDepth)
        error = new errors_js_1.AppError('QUERY_TOO_COMPLEX', `Operation is ${m.depth} levels deep; at most ${limits.maxDepth} allowed`, { depth: m.depth, maxDepth: limits.maxDepth });
    else if (m.aliases > limits.maxAliases)
        error = new errors_js_1.AppError('QUERY_TOO_COMPLEX', `Operation uses ${m.aliases} aliases; at most ${limits.maxAliases} allowed`, { aliases: m.aliases, maxAliases: limits.maxAliases });
    else if (m.cost > limits.maxCost)
        error = new errors_js_1.AppError('QUERY_TOO_COMPLEX', `Operation cost ${m.cost} exceeds the limit of ${limits.maxCost}; ask for fewer rows (first) or less nesting`, { cost: m.cost, maxCost: limits.maxCost });
    if (!error)
        return null;
    return new graphql_1.GraphQLError(error.message, { originalError: error, extensions: { code: error.code, ...error.details, http: { status: 400 } } });
}
//# sourceMappingURL=cost.js.map