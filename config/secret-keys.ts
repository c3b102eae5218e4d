/**
 * Which config keys the engine handed over as secrets (the stack file's
 * `secure:` values, decrypted). The Node SDK knows, from the list the engine
 * passes beside the config, but marks its check internal: it is read here,
 * in one place, and a missing check is an error rather than a guess.
 */
import * as pulumi from "@pulumi/pulumi";

type SecretCheck = (key: string) => boolean;

export function configSecretCheck(): SecretCheck {
  const check = (pulumi.runtime as unknown as { isConfigSecret?: unknown }).isConfigSecret;
  if (typeof check !== "function") {
    throw new Error(
      "this @pulumi/pulumi release has no runtime.isConfigSecret; the kubeconfig's secrecy cannot be checked",
    );
  }
  return (key) => (check as SecretCheck)(key) === true;
}
