/**
 * Recognising secrets in plain properties: by value (a known secret text), by
 * shape (credentials inside a URL, a private key) and by the name of the
 * variable or key that holds them.
 */
import { TARGET_VIEWS } from "../../components/target-views";
import { PolicySubject, UNKNOWN_VALUE } from "./model";

/** Shorter values would match ordinary words; generated passwords are far longer. */
const MIN_SECRET_LENGTH = 8;

/** A matcher for any of these known secret texts, or any text one of the patterns finds. */
export function secretMatcher(values: Iterable<string>, patterns: RegExp[] = []): (text: string) => boolean {
  // A value unknown during preview is no secret text: every other unknown would match it.
  const known = [
    ...new Set([...values].filter((value) => value.length >= MIN_SECRET_LENGTH && value !== UNKNOWN_VALUE)),
  ];
  return (text) => known.some((value) => text.includes(value)) || patterns.some((pattern) => pattern.test(text));
}

/**
 * Secret values a stack holds in plain form where the engine shows them to a
 * policy pack: generated passwords and the contents of a target's secret objects.
 * (The engine unwraps secrets before a policy sees them, so only the values
 * themselves can tell where they went.)
 */
export function secretValuesOfStack(resources: PolicySubject[]): string[] {
  return resources.flatMap((resource) => {
    if (resource.type === "random:index/randomPassword:RandomPassword") {
      const result = resource.props.result;
      return typeof result === "string" ? [result] : [];
    }
    // Short entries of a Secret (a user name, a database name) are not secret on their own.
    return (TARGET_VIEWS.storedSecrets(resource) ?? []).filter((value) => value.length >= 16);
  });
}

const SECRET_WORDS = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL)/;
const SECRET_NAMES =
  /(^|_)(API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|DATABASE_URL|CONNECTION_URL|CONNECTION_STRING|DSN|KUBECONFIG)($|_)/;
/** Variables that point at a secret rather than hold it. */
const REFERENCE_SUFFIX = /_(FILE|PATH|DIR|NAME|REF)$/;

/** Whether a variable or key name says it holds a secret (POSTGRES_PASSWORD, database-url), not where one is. */
export function namesASecret(name: string): boolean {
  const normal = name.toUpperCase().replace(/[-.]/g, "_");
  if (REFERENCE_SUFFIX.test(normal)) return false;
  return SECRET_WORDS.test(normal) || SECRET_NAMES.test(normal);
}

/** Kubernetes $(VAR) and shell ${VAR} references: they name a secret, they do not hold it. */
const VARIABLE_REFERENCE = /\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\}/g;
const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:([^\s/@]+)@/gi;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Why a plain text holds a credential by its shape, or undefined. */
export function credentialShape(text: string): string | undefined {
  for (const match of text.matchAll(URL_WITH_PASSWORD)) {
    if (match[1].replace(VARIABLE_REFERENCE, "") !== "") return "a URL with a password in it";
  }
  if (PRIVATE_KEY.test(text)) return "a private key";
  return undefined;
}

/** Why a plain value of a secret-named variable is a secret held in plain text, or undefined. */
export function plainSecretValue(name: string, value: string): string | undefined {
  const shape = credentialShape(value);
  if (shape) return shape;
  if (!namesASecret(name) || value === "") return undefined;
  // A URL without credentials (a host and a database) is not a secret on its own.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  return value.replace(VARIABLE_REFERENCE, "").trim() === ""
    ? undefined
    : `a literal value for ${name}, whose name says it is secret`;
}
