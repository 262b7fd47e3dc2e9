import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';

/**
 * Names of the fields a client selected on the objects found along `paths` below the field being resolved
 * (e.g. `['nodes']` and `['edges', 'node']` of a connection), fragments followed; `@include`/`@skip` are not
 * evaluated, so the answer may hold more than is run, never less. For a resolver that loads only what is asked.
 */
export function selectedFieldNames(info: GraphQLResolveInfo, paths: ReadonlyArray<readonly string[]>): Set<string> {
  const names = new Set<string>();
  const fieldsOf = (set: SelectionSetNode | undefined, each: (field: FieldNode) => void, seen = new Set<string>()): void => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) each(sel);
      else if (sel.kind === Kind.INLINE_FRAGMENT) fieldsOf(sel.selectionSet, each, seen);
      else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        fieldsOf(info.fragments[sel.name.value]?.selectionSet, each, seen);
      }
    }
  };
  const walk = (set: SelectionSetNode | undefined, path: readonly string[]): void => {
    if (!path.length) return fieldsOf(set, (f) => void names.add(f.name.value));
    fieldsOf(set, (f) => {
      if (f.name.value === path[0]) walk(f.selectionSet, path.slice(1));
    });
  };
  for (const node of info.fieldNodes) for (const path of paths) walk(node.selectionSet, path);
  return names;
}
