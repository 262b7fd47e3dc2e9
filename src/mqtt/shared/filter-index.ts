/** One persistent subscription as `subscriptionsByTopic` reports it. */
export interface IndexedSubscription {
  clientId: string;
  topic: string;
  qos: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
}

interface Node {
  children: Map<string, Node>;
  /** Subscriptions whose filter ends at this node, by client id. */
  subs: Map<string, IndexedSubscription> | null;
}

const node = (): Node => ({ children: new Map(), subs: null });

/**
 * The persistent QoS 1/2 subscriptions of every client, indexed by topic filter level: which clients a PUBLISH
 * must be queued for. MQTT matching ([MQTT-4.7]): `+` one level (also an empty one), `#` the rest (and the parent
 * level itself), filters starting with a wildcard do not match `$` topics ([MQTT-4.7.2-1]).
 */
export class FilterIndex {
  private readonly root = node();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(sub: IndexedSubscription): void {
    let n = this.root;
    for (const level of sub.topic.split('/')) {
      let next = n.children.get(level);
      if (!next) n.children.set(level, (next = node()));
      n = next;
    }
    n.subs ??= new Map();
    if (!n.subs.has(sub.clientId)) this.count += 1;
    n.subs.set(sub.clientId, { clientId: sub.clientId, topic: sub.topic, qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl });
  }

  remove(clientId: string, filter: string): void {
    const path: Array<[Node, string]> = [];
    let n: Node | undefined = this.root;
    for (const level of filter.split('/')) {
      const next: Node | undefined = n.children.get(level);
      if (!next) return;
      path.push([n, level]);
      n = next;
    }
    if (!n.subs?.delete(clientId)) return;
    this.count -= 1;
    if (!n.subs.size) n.subs = null;
    // Prune empty branches.
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, level] = path[i]!;
      const child = parent.children.get(level)!;
      if (child.subs || child.children.size) break;
      parent.children.delete(level);
    }
  }

  clear(): void {
    this.root.children.clear();
    this.root.subs = null;
    this.count = 0;
  }

  match(topic: string): IndexedSubscription[] {
    const out: IndexedSubscription[] = [];
    const levels = topic.split('/');
    const dollar = topic.startsWith('$');
    const walk = (n: Node, i: number): void => {
      const hash = n.children.get('#');
      if (hash?.subs && !(dollar && i === 0)) for (const s of hash.subs.values()) out.push(s);
      if (i === levels.length) {
        if (n.subs) for (const s of n.subs.values()) out.push(s);
        return;
      }
      const exact = n.children.get(levels[i]!);
      if (exact) walk(exact, i + 1);
      const plus = n.children.get('+');
      if (plus && !(dollar && i === 0)) walk(plus, i + 1);
    };
    walk(this.root, 0);
    return out;
  }
}
