variable "cluster_name" {
  description = "Name prefix of every resource and the etcd snapshot folder in the bucket."
  type        = string
}

variable "k3s_version" {
  description = "k3s release tag; its install.sh is fetched from the same tag."
  type        = string
}

variable "server_count" {
  description = "k3s servers with embedded etcd (odd)."
  type        = number
}

variable "agent_count" {
  description = "k3s agents."
  type        = number
}

variable "instance_type" {
  description = "EC2 instance type of every node."
  type        = string
}

variable "api_allowed_cidrs" {
  description = "CIDR blocks allowed to reach the Kubernetes API on 6443."
  type        = list(string)
}

variable "vpc_cidr" {
  description = "Address range of the cluster's VPC (one public subnet; nodes get public addresses for egress)."
  type        = string
  default     = "10.42.0.0/16"
}

variable "etcd_snapshot_bucket" {
  description = "S3 bucket the servers upload their etcd snapshots to (through their instance role)."
  type        = string
}

variable "etcd_snapshot_schedule" {
  description = "Cron schedule of the etcd snapshots (k3s etcd-snapshot-schedule-cron)."
  type        = string
}

variable "etcd_snapshot_retention" {
  description = "Snapshots kept per server (k3s etcd-snapshot-retention), locally and in S3."
  type        = number
}
