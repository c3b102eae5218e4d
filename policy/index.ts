/**
 * The ml-platform policy pack: `pulumi preview --policy-pack policy` (or
 * `pulumi up --policy-pack policy`) from the project folder. The engine runs
 * this file in its own process with the stack's config in PULUMI_CONFIG, which
 * decides how strict each policy is (ml-platform:environment).
 */
import { PolicyPack } from "@pulumi/policy";
import { buildPolicies } from "./pack";
import { configFromEnvironment, secretConfigValues, settingsFromConfig } from "./settings";

const config = configFromEnvironment();

new PolicyPack("ml-platform-guardrails", {
  description:
    "Security, availability and data-safety guardrails for the ml-platform stacks (Docker dev, Kubernetes prod).",
  policies: buildPolicies(settingsFromConfig(config), secretConfigValues(config)),
});
