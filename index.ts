/**
 * The ml-platform Pulumi program: read config, describe the platform, hand it
 * to the stack's target, export what a user needs.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadPlatformConfig } from "./config/load";
import { describePlatform } from "./platform/describe";
import { TARGETS } from "./components/registry";
import { guardStorage, STORAGE_FINGERPRINT_OUTPUT } from "./components/storage-guard";

export = async () => {
  const config = loadPlatformConfig();
  // Before anything registers: a run that would replace stateful storage stops here.
  const storageFingerprint = await guardStorage(config);
  const spec = describePlatform(config, pulumi.getStack());
  for (const notice of spec.notices) pulumi.log.info(notice);
  const endpoints = await TARGETS[config.target].deploy("ml-platform", spec, config);
  return {
    target: config.target,
    prefectUiUrl: endpoints.prefectUiUrl,
    servingUrl: endpoints.servingUrl,
    workPool: endpoints.workPool,
    prefectAuthString: pulumi.secret(endpoints.prefectAuthString),
    retraining: endpoints.retraining,
    [STORAGE_FINGERPRINT_OUTPUT]: storageFingerprint,
  };
};
