output "buckets" {
  description = "S3 bucket per platform bucket name (deploy/platform values use the names on the left; on AWS set the real ones)."
  value       = module.object_store.buckets
}

output "api_endpoint" {
  description = "Kubernetes API URL of the first server."
  value       = module.k3s.api_endpoint
}

output "kubeconfig_command" {
  description = "Fetches the admin kubeconfig from the first server through SSM (no SSH port is open)."
  value       = module.k3s.kubeconfig_command
}

output "s3_users" {
  description = "IAM users of the platform's S3 identities; create their access keys into the s3 seed secret (iac/README.md)."
  value       = module.object_store.iam_users
}
