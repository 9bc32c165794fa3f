# The lab cluster and what lives outside it: the object-store buckets of the platform (Thanos, Loki, Tempo,
# Pyroscope, Velero) and of the etcd snapshots, and k3s on EC2 VMs with its snapshots going to that bucket.
module "object_store" {
  source       = "../modules/object-store"
  cluster_name = var.cluster_name
}

module "k3s" {
  source                  = "../modules/k3s-cluster"
  cluster_name            = var.cluster_name
  k3s_version             = var.k3s_version
  server_count            = var.server_count
  agent_count             = var.agent_count
  instance_type           = var.instance_type
  api_allowed_cidrs       = var.api_allowed_cidrs
  etcd_snapshot_bucket    = module.object_store.buckets["etcd-snapshots"]
  etcd_snapshot_schedule  = var.etcd_snapshot_schedule
  etcd_snapshot_retention = var.etcd_snapshot_retention
}
