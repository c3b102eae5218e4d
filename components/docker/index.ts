import * as pulumi from "@pulumi/pulumi";
import { DeployPlatform } from "../target";

export const deployPlatform: DeployPlatform = (_name, args) => {
  pulumi.log.info(`platform ${args.spec.instance}`);
  return { prefectUiUrl: "", servingUrl: "", workPool: "", retraining: "" };
};
