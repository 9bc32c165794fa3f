variable "region" {
  description = "AWS region of the VMs and the buckets."
  type        = string
  default     = "eu-central-1"
}

variable "cluster_name" {
  description = "Name of the cluster: prefixes the VMs, the bucket names (S3 names are global) and the etcd snapshot folder."
  type        = string
  default     = "lab"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.cluster_name))
    error_message = "cluster_name: lowercase letters, digits and dashes, 2 to 31 characters (it becomes part of S3 bucket names)."
  }
}

variable "k3s_version" {
  description = "k3s release installed on every node (a tag of github.com/k3s-io/k3s)."
  type        = string
  default     = "v1.34.1+k3s1"
}

variable "server_count" {
  description = "k3s servers (control plane with embedded etcd): 1 for a lab, 3 to survive the loss of one."
  type        = number
  default     = 1
  validation {
    condition     = contains([1, 3, 5], var.server_count)
    error_message = "server_count: 1, 3 or 5 (etcd needs an odd number of members)."
  }
}

variable "agent_count" {
  description = "k3s agents (workers) beside the servers."
  type        = number
  default     = 2
}

variable "instance_type" {
  description = "EC2 instance type of every node; the whole platform needs about 8 vCPU and 16 GiB in total."
  type        = string
  default     = "t3.xlarge"
}

variable "api_allowed_cidrs" {
  description = "CIDR blocks that may reach the Kubernetes API (6443) from outside the VPC, e.g. your own address /32."
  type        = list(string)
}

variable "etcd_snapshot_schedule" {
  description = "Cron schedule of k3s' etcd snapshots. The EtcdSnapshotTooOld alert (deploy/platform/etcd-backup) allows one interval plus an hour: change both together."
  type        = string
  default     = "0 */6 * * *"
}

variable "etcd_snapshot_retention" {
  description = "Snapshots k3s keeps per server, locally and in the bucket (28 at every 6 hours = 7 days)."
  type        = number
  default     = 28
}
