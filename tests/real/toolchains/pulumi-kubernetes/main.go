// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider.
//
// Upstream's own main package (provider/cmd/pulumi-resource-kubernetes) embeds two files that its generate.go writes
// and git ignores, so it cannot be built straight from the module proxy. This one embeds the same two files, which the
// suite's set-up (tests/real/setup/pulumi-engine.ts) generates into a temporary copy of this folder before building.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

// The provider's schema.json with its top-level "version" set to the release, serialised compactly.
//
//go:embed schema-embed.json
var schema []byte

// The provider's terraform-mapping.json, serialised compactly.
//
//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
