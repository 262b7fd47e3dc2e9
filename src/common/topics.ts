import { badInput } from './errors.js';

/** MQTT topic rules (MQTT 3.1.1 §4.7, MQTT 5 §4.7), shared by the message server, its queries and the test client. */

/** Longest topic or topic filter (MQTT allows 65535 bytes). */
export const MAX_TOPIC_BYTES = 65535;

function basicProblem(topic: string, what: string): string | null {
  if (topic.length === 0) return `${what} must not be empty`;
  if (Buffer.byteLength(topic) > MAX_TOPIC_BYTES) return `${what} is longer than ${MAX_TOPIC_BYTES} bytes`;
  if (topic.includes('\u0000')) return `${what} must not contain the NUL character`;
  return null;
}

/** Why `topic` is not a valid topic name to publish to, or null when it is. */
export function publishTopicProblem(topic: string): string | null {
  const basic = basicProblem(topic, 'topic');
  if (basic) return basic;
  if (hasWildcards(topic)) return 'topic must not contain the wildcards + or #';
  if (topic.startsWith('$')) return 'topics starting with $ are reserved for the server';
  return null;
}

/** Why `filter` is not a valid topic filter, or null when it is. */
export function topicFilterProblem(filter: string, what = 'topic filter'): string | null {
  const basic = basicProblem(filter, what);
  if (basic) return basic;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return `${what}: # must be the last level, on its own`;
    if (level.includes('+') && level !== '+') return `${what}: + must occupy a whole level`;
  }
  return null;
}

/** Returns a valid topic filter, or throws BAD_USER_INPUT naming `field`. */
export function checkTopicFilter(filter: string, field = 'topic'): string {
  const problem = topicFilterProblem(filter, field);
  if (problem) throw badInput(problem, field);
  return filter;
}

export const hasWildcards = (filter: string): boolean => /[+#]/.test(filter);

/** MQTT topic matching: `+` matches one level, a trailing `#` the parent level and everything below. */
export function topicMatches(filter: string, topic: string): boolean {
  // [MQTT-4.7.2-1] filters starting with a wildcard do not match topics starting with `$`.
  if ((filter.startsWith('+') || filter.startsWith('#')) && topic.startsWith('$')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

const escapeRegex = (text: string): string => text.replace(/[\\^$.|?*+()[\]{}]/g, (c) => '\\' + c);

/**
 * The filter as a regular expression over whole topics, in the syntax shared by JavaScript (with the `s`
 * flag) and PostgreSQL's `~` operator.
 */
export function topicFilterRegex(filter: string): string {
  const levels = filter.split('/');
  let re = '';
  levels.forEach((level, i) => {
    if (level === '#') {
      // `a/#` also matches `a` itself; `#` alone matches everything.
      re = i === 0 ? '.*' : `${re}(/.*)?`;
      return;
    }
    const part = level === '+' ? '[^/]*' : escapeRegex(level);
    re += i === 0 ? part : `/${part}`;
  });
  return `^${re}$`;
}

/** Code points of a topic kept in the indexed `topic_prefix` column of device events. */
export const TOPIC_PREFIX_CHARS = 255;

/** The first `TOPIC_PREFIX_CHARS` code points of a topic (never splits a surrogate pair). */
export function topicPrefix(topic: string): string {
  if (topic.length <= TOPIC_PREFIX_CHARS) return topic;
  return Array.from(topic).slice(0, TOPIC_PREFIX_CHARS).join('');
}

const codePoints = (text: string): number => (text.length <= TOPIC_PREFIX_CHARS ? text.length : Array.from(text).length);

/**
 * How to find the topics a filter matches with an index on a topic-prefix column (the first
 * `TOPIC_PREFIX_CHARS` code points of each topic, compared by code point — binary / "C" collation):
 * `prefix` narrows the rows by an index range or equality, then the rows are checked exactly by
 * `exact`, `startsWith`/`parent` (plain string tests) or `regex` (only for filters with `+`).
 */
export interface TopicFilterPlan {
  /** The filter matches every topic (`#`): no condition at all. */
  all: boolean;
  /** Index predicate on the prefix column: `lo ≤ prefix < hi`, or `prefix = eq`. None for filters starting with a wildcard. */
  prefix: { lo: string; hi: string } | { eq: string } | null;
  /** No wildcards: the topic equals this. */
  exact?: string;
  /** `a/b/#`: topics starting with `a/b/` (startsWith)... */
  startsWith?: string;
  /** ...or equal to `a/b` (parent). */
  parent?: string;
  /** Filters with `+`: the whole-topic regular expression of `topicFilterRegex`. */
  regex?: string;
}

/** Plans a valid topic filter (see `checkTopicFilter`). */
export function planTopicFilter(filter: string): TopicFilterPlan {
  if (filter === '#') return { all: true, prefix: null };
  if (!hasWildcards(filter)) return { all: false, prefix: { eq: topicPrefix(filter) }, exact: filter };
  // The literal levels before the first wildcard, with their trailing '/' (wildcards fill whole levels).
  const levels = filter.split('/');
  const firstWild = levels.findIndex((l) => l === '+' || l === '#');
  const literal = levels
    .slice(0, firstWild)
    .map((l) => l + '/')
    .join('');
  const onlyHash = firstWild === levels.length - 1 && levels[firstWild] === '#';
  const plan: TopicFilterPlan = { all: false, prefix: null };
  if (onlyHash) {
    // `a/b/#` also matches `a/b` (the parent).
    plan.startsWith = literal;
    plan.parent = literal.slice(0, -1);
  } else {
    plan.regex = topicFilterRegex(filter);
  }
  if (literal) {
    // Every match starts with `lo` (the parent is a prefix of the literal); nothing at or after `hi` does:
    // '0' is the character right after '/'.
    const lo = onlyHash ? literal.slice(0, -1) : literal;
    const hi = literal.slice(0, -1) + '0';
    // Prefix columns hold at most TOPIC_PREFIX_CHARS code points: a longer literal pins the prefix.
    plan.prefix = codePoints(lo) >= TOPIC_PREFIX_CHARS ? { eq: topicPrefix(lo) } : { lo, hi };
  }
  return plan;
}
