/**
 * How workloads find each other on the Docker target: every container of a
 * workload joins the platform network with the workload's name as alias, so
 * Docker's embedded DNS answers `postgres` or `model-serving` with the
 * addresses of all its replicas (round robin).
 */
import { ServiceAddressEnv, ServiceSpec } from "../../platform/model";

export class ServiceDirectory {
  private readonly services: Map<string, ServiceSpec>;

  constructor(services: ServiceSpec[]) {
    this.services = new Map(services.map((service) => [service.name, service]));
  }

  /** The DNS name other containers use for a service: its network alias. */
  host(service: string): string {
    this.spec(service);
    return service;
  }

  /** The container port behind one of a service's named ports. */
  port(service: string, portName: string): number {
    const spec = this.spec(service);
    const port = spec.container.ports.find((candidate) => candidate.name === portName);
    if (!port) {
      const known = spec.container.ports.map((candidate) => candidate.name).join(", ") || "none";
      throw new Error(`service "${service}" has no port named "${portName}" (it has: ${known})`);
    }
    return port.port;
  }

  /** The URL a ServiceAddressEnv stands for, e.g. http://prefect-server:4200/api. */
  address(reference: ServiceAddressEnv): string {
    return `${reference.scheme}://${this.host(reference.service)}:${this.port(reference.service, reference.port)}${reference.path}`;
  }

  private spec(service: string): ServiceSpec {
    const spec = this.services.get(service);
    if (!spec) {
      const known = [...this.services.keys()].join(", ") || "none";
      throw new Error(`no service named "${service}" in the platform (services: ${known})`);
    }
    return spec;
  }
}
