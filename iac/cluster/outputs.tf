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
