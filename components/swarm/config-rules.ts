/**
 * The Swarm target's config rules: keys of its own section and what Swarm
 * cannot schedule, checked with every stack's config.
 */
import { checkPinned } from "../../config/images";
import { CrossKeyRule } from "../../config/rule";

export const swarmConfigRules: CrossKeyRule[] = [
  {
    needs: [["target"], ["swarm", "serverPort"], ["swarm", "servingPort"]],
    check: ({ target, swarm }, add) => {
      if (target === "swarm" && swarm.serverPort === swarm.servingPort) {
        add(["swarm", "servingPort"], `${swarm.servingPort} is already swarm.serverPort; published ports must differ`);
      }
    },
  },
  {
    needs: [["target"], ["swarm", "endpointMode"], ["swarm", "publishMode"]],
    check: ({ target, swarm }, add) => {
      // Swarm refuses a DNS round-robin service whose ports go through the routing mesh.
      if (target === "swarm" && swarm.endpointMode === "dnsrr" && swarm.publishMode !== "host") {
        add(
          ["swarm", "endpointMode"],
          'dnsrr services cannot publish through the routing mesh; set swarm.publishMode to "host" or use "vip"',
        );
      }
    },
  },
  {
    needs: [["target"], ["training", "gpu"]],
    check: ({ target, training }, add) => {
      if (target === "swarm" && training.gpu.enabled) {
        add(
          ["training", "gpu", "enabled"],
          "requests a GPU, which the swarm target does not schedule (Swarm needs generic resources declared on every node); train on docker or kubernetes",
        );
      }
    },
  },
  {
    needs: [["environment"], ["swarm", "proxyImage"]],
    check: ({ environment, swarm }, add) => checkPinned(environment, ["swarm", "proxyImage"], swarm.proxyImage, add),
  },
];
