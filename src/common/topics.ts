/** MQTT topic rules (MQTT 3.1.1 §4.7, MQTT 5 §4.7). */

const MAX_TOPIC_BYTES = 65535;

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
  if (/[+#]/.test(topic)) return 'topic must not contain the wildcards + or #';
  if (topic.startsWith('$')) return 'topics starting with $ are reserved for the server';
  return null;
}

/** Why `filter` is not a valid topic filter to subscribe to, or null when it is. */
export function topicFilterProblem(filter: string): string | null {
  const basic = basicProblem(filter, 'topic filter');
  if (basic) return basic;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return '# must be the last level of a topic filter, on its own';
    }
    if (level.includes('+') && level !== '+') return '+ must occupy a whole level of a topic filter';
  }
  return null;
}

/** Whether `topic` matches the MQTT topic `filter` (+ one level, # the rest; $-topics only match explicit filters). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}
