/**
 * Images are pinned to an exact tag or digest: "latest" or an untagged name
 * can change under a running platform without any diff. Docker containers run
 * a RemoteImage's imageId, so for them the RemoteImage's name is what counts.
 */
import { unpinnedReason } from "../../config/images";
import { TARGET_VIEWS } from "../../components/target-views";
import { PolicySubject, Rule, stricterInProduction } from "./model";
import { isUnknown, stringAt, valueAt } from "./values";

/** An image ID as the Docker engine reports it: already exact. */
const IMAGE_ID = /^sha256:[a-f0-9]{64}$/;

function problem(image: unknown, what: string): string[] {
  if (typeof image !== "string" || isUnknown(image) || IMAGE_ID.test(image)) {
    return image === undefined || image === "" ? [`${what} names no image`] : [];
  }
  const reason = unpinnedReason(image);
  return reason ? [`${what} runs image "${image}", which ${reason}`] : [];
}

function podViolations(subject: PolicySubject): string[] {
  const template = TARGET_VIEWS.podTemplate(subject);
  if (!template) return [];
  return template.containers.flatMap((container) => problem(valueAt(container.spec, "image"), container.label));
}

function containerViolations(subject: PolicySubject): string[] {
  if (TARGET_VIEWS.role(subject) === "pulled-image")
    return problem(stringAt(subject.props, "name"), `RemoteImage "${subject.name}"`);
  const container = TARGET_VIEWS.container(subject);
  return container ? problem(container.image, `container "${container.name}"`) : [];
}

export const imagesPinned: Rule = {
  name: "images-pinned",
  description: 'Every image is pinned to an exact tag (not "latest") or a sha256 digest.',
  remediation:
    "Name an exact version, e.g. postgres:16.9-bookworm, or a digest repository@sha256:...; never an untagged name or latest.",
  enforcement: stricterInProduction,
  scope: "resource",
  check: (subject) => [...podViolations(subject), ...containerViolations(subject)],
};
