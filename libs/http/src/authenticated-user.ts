/** The caller of an authenticated route, as the Bearer guard resolved it from the API key. */
export interface AuthenticatedUser {
  id: string;
  email: string;
  /** The id (never the secret) of the key used; rate limits are keyed on it. */
  apiKeyId: string;
  /** The scopes of the key used (`sync`; `admin` opens /v1/admin/). */
  scopes: readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: AuthenticatedUser;
  }
}
