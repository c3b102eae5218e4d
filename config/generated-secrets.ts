/**
 * The secret values the platform generates, and their lengths: one table for
 * the platform's description (which generates them) and the config (which
 * lets a stack supply its own instead, `providedSecrets`).
 */
export const GENERATED_SECRETS = {
  /** Prefect's login (basic authentication) for the server and every client. */
  "prefect-auth": { password: 32 },
  /** The bearer token flow runs present to serving's model intake. */
  "model-publish": { token: 48 },
  /** Postgres' password; the database keeps the one it was initialised with. */
  postgres: { password: 32 },
} as const;

export type GeneratedSecretName = keyof typeof GENERATED_SECRETS;

/** The key -> { length } map a SecretSpec's `generated` takes. */
export function generatedKeys(secret: GeneratedSecretName): Record<string, { length: number }> {
  return Object.fromEntries(Object.entries(GENERATED_SECRETS[secret]).map(([key, length]) => [key, { length }]));
}
