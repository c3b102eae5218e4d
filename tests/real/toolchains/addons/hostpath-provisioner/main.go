// Command hostpath-provisioner serves the StorageClass provisioner
// "microk8s.io/hostpath" on the suite's single-node cluster.
//
// Kubernetes' in-tree kubernetes.io/host-path provisioner creates each volume
// as a root-owned 0750 folder, and a hostPath volume ignores the pod's
// fsGroup, so the prod stack's non-root pods could never write to their
// claims. MicroK8s's own provisioner creates world-writable folders instead;
// this one does the same, under the name MicroK8s gives it, with the external
// provisioner library Kubernetes SIG Storage publishes.
//
// The provisioner runs on the node it provisions for, with PV_DIR mounted at
// the same path inside its container, so it creates and removes folders
// directly rather than through helper pods.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"sigs.k8s.io/sig-storage-lib-external-provisioner/v13/controller"
)

const (
	provisionerName = "microk8s.io/hostpath"
	// identityAnnotation records which node's provisioner made a volume, so a
	// provisioner never deletes another node's folders.
	identityAnnotation = "hostPathProvisionerIdentity"
	// World-writable, as MicroK8s makes them: fsGroup does not reach hostPath
	// volumes, so this is how a non-root pod gets to write to its claim.
	volumeMode = 0o777
)

type hostPathProvisioner struct {
	root     string
	nodeName string
}

func (p *hostPathProvisioner) Provision(_ context.Context, options controller.ProvisionOptions) (*v1.PersistentVolume, controller.ProvisioningState, error) {
	node := options.SelectedNodeName
	if node == "" {
		// Immediate binding: on a single node the only place is this one.
		node = p.nodeName
	}
	if node != p.nodeName {
		return nil, controller.ProvisioningFinished, fmt.Errorf("claim %s/%s is scheduled to node %q; this provisioner serves %q",
			options.PVC.Namespace, options.PVC.Name, node, p.nodeName)
	}
	dir := filepath.Join(p.root, fmt.Sprintf("%s-%s-%s", options.PVC.Namespace, options.PVC.Name, options.PVName))
	if err := os.MkdirAll(dir, volumeMode); err != nil {
		return nil, controller.ProvisioningFinished, fmt.Errorf("creating %s: %w", dir, err)
	}
	// MkdirAll applies the umask; Chmod sets the mode exactly.
	if err := os.Chmod(dir, volumeMode); err != nil {
		return nil, controller.ProvisioningFinished, fmt.Errorf("opening up %s: %w", dir, err)
	}
	klog.InfoS("provisioned", "claim", klog.KObj(options.PVC), "volume", options.PVName, "path", dir)

	reclaim := v1.PersistentVolumeReclaimDelete
	if options.StorageClass.ReclaimPolicy != nil {
		reclaim = *options.StorageClass.ReclaimPolicy
	}
	hostPathType := v1.HostPathDirectoryOrCreate
	return &v1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        options.PVName,
			Annotations: map[string]string{identityAnnotation: p.nodeName},
		},
		Spec: v1.PersistentVolumeSpec{
			PersistentVolumeReclaimPolicy: reclaim,
			AccessModes:                   options.PVC.Spec.AccessModes,
			VolumeMode:                    options.PVC.Spec.VolumeMode,
			MountOptions:                  options.StorageClass.MountOptions,
			Capacity: v1.ResourceList{
				v1.ResourceStorage: options.PVC.Spec.Resources.Requests[v1.ResourceStorage],
			},
			PersistentVolumeSource: v1.PersistentVolumeSource{
				HostPath: &v1.HostPathVolumeSource{Path: dir, Type: &hostPathType},
			},
			// The data lives on this node's disk: pods that use it must run here.
			NodeAffinity: &v1.VolumeNodeAffinity{Required: &v1.NodeSelector{
				NodeSelectorTerms: []v1.NodeSelectorTerm{{MatchExpressions: []v1.NodeSelectorRequirement{{
					Key: v1.LabelHostname, Operator: v1.NodeSelectorOpIn, Values: []string{p.nodeName},
				}}}},
			}},
		},
	}, controller.ProvisioningFinished, nil
}

func (p *hostPathProvisioner) Delete(_ context.Context, volume *v1.PersistentVolume) error {
	if owner := volume.Annotations[identityAnnotation]; owner != p.nodeName {
		return &controller.IgnoredError{Reason: fmt.Sprintf("volume belongs to node %q", owner)}
	}
	if volume.Spec.HostPath == nil {
		return errors.New("volume has no hostPath")
	}
	dir := filepath.Clean(volume.Spec.HostPath.Path)
	// Only ever remove a folder this provisioner could have made.
	if filepath.Dir(dir) != p.root || !strings.HasSuffix(dir, "-"+volume.Name) {
		return fmt.Errorf("refusing to remove %s: not a volume folder under %s", dir, p.root)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("removing %s: %w", dir, err)
	}
	klog.InfoS("deleted", "volume", volume.Name, "path", dir)
	return nil
}

func requiredEnv(name string) string {
	value := os.Getenv(name)
	if value == "" {
		klog.ErrorS(nil, "environment variable is not set", "name", name)
		klog.FlushAndExit(klog.ExitFlushTimeout, 1)
	}
	return value
}

func main() {
	klog.InitFlags(nil)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	provisioner := &hostPathProvisioner{
		root:     filepath.Clean(requiredEnv("PV_DIR")),
		nodeName: requiredEnv("NODE_NAME"),
	}
	config, err := rest.InClusterConfig()
	if err != nil {
		klog.ErrorS(err, "reading the in-cluster configuration")
		klog.FlushAndExit(klog.ExitFlushTimeout, 1)
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		klog.ErrorS(err, "creating the API client")
		klog.FlushAndExit(klog.ExitFlushTimeout, 1)
	}
	klog.InfoS("serving", "provisioner", provisionerName, "node", provisioner.nodeName, "root", provisioner.root)
	controller.NewProvisionController(ctx, client, provisionerName, provisioner,
		// One replica on one node: nothing to elect.
		controller.LeaderElection(false),
		// No metrics endpoint: nothing scrapes it, and it would need a port.
		controller.MetricsPort(0),
	).Run(ctx)
}
