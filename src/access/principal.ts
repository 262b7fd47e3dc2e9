import type { OrganizationRole } from './roles.js';

/** Who is calling: resolved from a bearer token or an API key. */
export interface Principal {
  /** The user; for an API key, the user who created it (the key never has more rights than they have now). */
  userId: string;
  /** The organization used when an operation names none: the user's personal one, or the API key's. */
  defaultOrganizationId: string;
  /** Set when a session token authenticated the call; when it expires. */
  tokenExpiresAt?: Date;
  /** Set when an API key authenticated the call: the one organization it acts in and its role there. */
  apiKey?: { id: string; organizationId: string; role: OrganizationRole; label: string };
  /** For the audit trail: the user's e-mail, or the key's name and prefix. */
  label: string;
}

/** Who did something, for the audit trail: the principal and where the request came from. */
export interface Actor {
  principal: Principal;
  remoteAddress?: string | undefined;
}

/** What an authorized operation acts within: the organization, the caller's effective role there, and the caller. */
export interface Scope {
  organizationId: string;
  role: OrganizationRole;
  actor: Actor;
}
