/**
 * The one list of targets, and what the rest of the program may know about a
 * target without loading it. Targets import the contract (target.ts), never
 * this list, so nothing imports in a circle. The config schema reads each
 * target's section from here; the sections depend on nothing of the schema,
 * which is what lets the schema's types follow from this list.
 */
import { CrossKeyRule, MovedKey } from "../config/rule";
import { PlatformConfig } from "../config/schema";
import type { PlatformSpec } from "../platform/model";
import { dockerSettingFacts } from "./docker/compare-facts";
import { dockerConfigRules, dockerMovedKeys } from "./docker/config-rules";
import { dockerConfigSection } from "./docker/config-section";
import { dockerResourceViews } from "./docker/resource-views";
import { dockerSettings } from "./docker/settings";
import { dockerStorageSettings } from "./docker/storage";
import { kubernetesConfigRules } from "./kubernetes/config-rules";
import { kubernetesConfigSection } from "./kubernetes/config-section";
import { kubernetesResourceViews } from "./kubernetes/resource-views";
import { kubernetesSettings } from "./kubernetes/settings";
import { kubernetesStorageSettings } from "./kubernetes/storage";
import type { TargetOfflineRender } from "./offline-render";
import { ResourceViews } from "./resource-views";
import { StorageSetting } from "./storage-setting";
import { swarmConfigRules } from "./swarm/config-rules";
import { swarmConfigSection } from "./swarm/config-section";
import { swarmResourceViews } from "./swarm/resource-views";
import { swarmSettings } from "./swarm/settings";
import { swarmStorageSettings } from "./swarm/storage";
import { DeployPlatform, PlatformEndpoints } from "./target";

/** Each target's own config key (`ml-platform:<target>`) and its schema, in the registry's order. */
export const TARGET_CONFIG_SECTIONS = {
  docker: dockerConfigSection,
  swarm: swarmConfigSection,
  kubernetes: kubernetesConfigSection,
};

export type TargetName = keyof typeof TARGET_CONFIG_SECTIONS;
export const TARGET_NAMES = Object.keys(TARGET_CONFIG_SECTIONS) as [TargetName, ...TargetName[]];

export interface TargetEntry {
  /**
   * Deploys the platform on the target, which receives the description and its own settings only. The target
   * is loaded lazily so that each stack loads only its own provider SDK: dev never pays for @pulumi/kubernetes.
   */
  deploy: (name: string, spec: PlatformSpec, config: PlatformConfig) => Promise<PlatformEndpoints>;
  /** Whether the target runs an autoscaler: serving's autoscaling bounds apply there, elsewhere its fixed replica count. */
  autoscales: boolean;
  /** Rules of the target's own config keys, checked with every stack's config (each says when it applies). */
  configRules: CrossKeyRule[];
  /** Keys of the shared sections that moved into the target's own section: a config that still sets one is refused. */
  movedKeys?: MovedKey[];
  /** Its storage settings that cannot change in place, which the storage guard records and compares (storage-guard.ts). */
  storageSettings: (config: PlatformConfig) => StorageSetting[];
  /** Where a volume without a storage class of its own lives, as compare reports it. */
  defaultStorage: (config: PlatformConfig) => string;
  /** What compare shows of the target's own settings, beside the neutral facts. */
  settingFacts?: (config: PlatformConfig) => { property: string; value: string }[];
  /** The worker image the target runs when the stack names none. */
  defaultWorkerImage: string;
  /** What the offline render needs of the target (tools/render); loaded lazily so the deployed program never loads it. */
  offline: () => Promise<TargetOfflineRender>;
  /** How the policies and the offline diff read the provider resources this target owns (resource-views.ts). */
  resourceViews: ResourceViews;
}

// The docker-family targets' process workers need nothing beyond Prefect; the kubernetes worker (`--type
// kubernetes`) needs prefect-kubernetes, which Prefect ships only in its "-kubernetes" image variant.
const PREFECT_IMAGE = "prefecthq/prefect:3.6.10-python3.12";

/** A target's deploy: loads it, then hands it the settings its folder selects from the config. */
function deployWith<Settings>(
  load: () => Promise<DeployPlatform<Settings>>,
  settingsOf: (config: PlatformConfig) => Settings,
): TargetEntry["deploy"] {
  return async (name, spec, config) => (await load())(name, { spec, settings: settingsOf(config) });
}

export const TARGETS: Record<TargetName, TargetEntry> = {
  docker: {
    deploy: deployWith(async () => (await import("./docker")).deployPlatform, dockerSettings),
    autoscales: false,
    configRules: dockerConfigRules,
    movedKeys: dockerMovedKeys,
    storageSettings: dockerStorageSettings,
    defaultStorage: () => "— (Docker volume)",
    settingFacts: dockerSettingFacts,
    defaultWorkerImage: PREFECT_IMAGE,
    offline: async () => (await import("./docker/offline")).offlineRender,
    resourceViews: dockerResourceViews,
  },
  swarm: {
    deploy: deployWith(async () => (await import("./swarm")).deployPlatform, swarmSettings),
    autoscales: false,
    configRules: swarmConfigRules,
    storageSettings: swarmStorageSettings,
    // The volume driver decides whether a volume can follow a task to another node.
    defaultStorage: (config) => `— (Docker volume, driver ${config.swarm.volumeDriver})`,
    defaultWorkerImage: PREFECT_IMAGE,
    offline: async () => (await import("./swarm/offline")).offlineRender,
    resourceViews: swarmResourceViews,
  },
  kubernetes: {
    deploy: deployWith(async () => (await import("./kubernetes")).deployPlatform, kubernetesSettings),
    autoscales: true,
    configRules: kubernetesConfigRules,
    storageSettings: kubernetesStorageSettings,
    defaultStorage: (config) => `${config.kubernetes.storageClass} (default)`,
    defaultWorkerImage: `${PREFECT_IMAGE}-kubernetes`,
    offline: async () => (await import("./kubernetes/offline")).offlineRender,
    resourceViews: kubernetesResourceViews,
  },
};

/** Every target's config rules, in the registry's order. */
export const TARGET_CONFIG_RULES: CrossKeyRule[] = Object.values(TARGETS).flatMap((target) => target.configRules);
