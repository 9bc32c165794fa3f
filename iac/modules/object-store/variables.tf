variable "cluster_name" {
  description = "Prefix of every bucket name (S3 bucket names are global)."
  type        = string
}
