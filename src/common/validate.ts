import { badInput } from './errors.js';
import { escapeLike } from './pagination.js';

/** Longest display name (devices, certificates, API keys) and search text. */
export const MAX_NAME_LENGTH = 100;

/** A display name: trimmed, not empty, at most MAX_NAME_LENGTH characters; else BAD_USER_INPUT. */
export function checkName(raw: string, field = 'name'): string {
  const name = raw.trim();
  if (!name) throw badInput(`${field} must not be empty`, field);
  if (name.length > MAX_NAME_LENGTH) throw badInput(`${field} must be at most ${MAX_NAME_LENGTH} characters`, field);
  return name;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** An e-mail address as stored (trimmed, lower case), or BAD_USER_INPUT when it is not one. */
export function normalizeEmail(raw: string, field = 'email'): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL_RE.test(email)) throw badInput(`${field} is not a valid e-mail address`, field);
  return email;
}

/**
 * A case-insensitive "contains" search as a LIKE pattern (use with `LOWER(column) LIKE :pattern ESCAPE '\'`),
 * or null when the search is blank. LIKE wildcards in the text match literally.
 */
export function searchPattern(raw: string | null | undefined): string | null {
  const search = raw?.trim();
  if (!search) return null;
  if (search.length > MAX_NAME_LENGTH) throw badInput(`search must be at most ${MAX_NAME_LENGTH} characters`, 'search');
  return `%${escapeLike(search.toLowerCase())}%`;
}
