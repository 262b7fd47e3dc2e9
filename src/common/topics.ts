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
