import { Repeater } from '@graphql-yoga/subscription';
import { GraphQLInt, type GraphQLResolveInfo, Kind, type SelectionSetNode, valueFromAST } from 'graphql';

import type { FleetSummary } from './fleet.types.js';

/**
 * The summary now, then every `intervalMs` the summary again when any figure changed (the time it was read aside).
 * Reads never overlap and a slow reader holds the next read back; a failed read is skipped (`failed`).
 */
export function summaryChanges(first: FleetSummary, read: () => Promise<FleetSummary>, intervalMs: number, failed: (err: unknown) => void): AsyncIterableIterator<FleetSummary> {
  return new Repeater<FleetSummary>(async (push, stop) => {
    let stopped = false;
    void stop.then(() => (stopped = true));
    const figures = ({ at: _at, ...rest }: FleetSummary) => JSON.stringify(rest);
    let last = figures(first);
    await push(first);
    while (!stopped) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, intervalMs))), stop]);
      clearTimeout(timer);
      if (stopped) break;
      try {
        const next = await read();
        const key = figures(next);
        if (key === last) continue;
        last = key;
        await push(next);
      } catch (err) {
        failed(err);
      }
    }
  });
}

/** The `days` of every `certificatesExpiringWithin(days:)` the operation selects under this field (fragments included). */
export function requestedExpiryDays(info: GraphQLResolveInfo): number[] {
  const days = new Set<number>();
  const visit = (set: SelectionSetNode | undefined): void => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD && sel.name.value === 'certificatesExpiringWithin') {
        const arg = sel.arguments?.find((a) => a.name.value === 'days');
        const value: unknown = arg ? valueFromAST(arg.value, GraphQLInt, info.variableValues) : undefined;
        if (typeof value === 'number') days.add(value);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) visit(sel.selectionSet);
      else if (sel.kind === Kind.FRAGMENT_SPREAD) visit(info.fragments[sel.name.value]?.selectionSet);
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  return [...days];
}
