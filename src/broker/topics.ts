import { badInput } from '../common/errors.js';

/** Longest topic or topic filter accepted in queries (MQTT allows 65535 bytes). */
export const MAX_TOPIC_LENGTH = 65535;

/** Checks an MQTT topic filter (`+` single level, `#` last level); returns it or throws BAD_USER_INPUT. */
export function checkTopicFilter(filter: string, field = 'topic'): string {
  if (filter.length === 0) throw badInput(`${field} must not be empty`, field);
  if (Buffer.byteLength(filter) > MAX_TOPIC_LENGTH) throw badInput(`${field} is too long`, field);
  if (filter.includes('\u0000')) throw badInput(`${field} must not contain NUL`, field);
  const levels = filter.split('/');
  levels.forEach((level, i) => {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      throw badInput(`${field}: "#" must be the last level on its own`, field);
    }
    if (level.includes('+') && level !== '+') throw badInput(`${field}: "+" must occupy a whole level`, field);
  });
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
