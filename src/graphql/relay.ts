import 'reflect-metadata';

import { type ClassType, Field, Int, ObjectType, registerEnumType } from 'type-graphql';

import type { Page } from '../common/index.js';

export enum SortDirectionEnum {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirectionEnum, { name: 'SortDirection' });

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field({ description: 'Always false: paging is forward only (first/after).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  /** Resolved only when the client selects it (a getter: counting costs a query). */
  readonly totalCount: Promise<number>;
}

/** Relay-style connection and edge object types for a node type. */
export function ConnectionType<T extends object>(name: string, node: ClassType<T>): ClassType<Connection<T>> {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field()
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionClass {
    @Field(() => [EdgeType])
    edges!: Edge<T>[];

    @Field(() => [node])
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'Matching items across all pages.' })
    totalCount!: Promise<number>;
  }
  return ConnectionClass;
}

/** The connection of a page; edges and cursors are made only if the client selects them. */
export function toConnection<T>(page: Page<T>): Connection<T> {
  const last = page.items.length - 1;
  let edges: Edge<T>[] | null = null;
  return {
    get edges() {
      return (edges ??= page.items.map((node, i) => ({ node, cursor: page.cursor(i) })));
    },
    nodes: page.items,
    get totalCount() {
      return page.totalCount();
    },
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: false,
      get startCursor() {
        return last >= 0 ? page.cursor(0) : null;
      },
      get endCursor() {
        return last >= 0 ? page.cursor(last) : null;
      },
    },
  };
}
