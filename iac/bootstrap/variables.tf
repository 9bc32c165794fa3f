variable "kubeconfig_path" {
  description = "Admin kubeconfig of the cluster (written by iac/cluster's kubeconfig_command)."
  type        = string
  default     = "../cluster/kubeconfig"
}

variable "environment" {
  description = "Which app-of-apps to install: dev or prod (deploy/argocd/bootstrap/root-<environment>.yaml)."
  type        = string
  default     = "dev"
  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment: dev or prod."
  }
}
