# Same bucket as iac/cluster, its own key (iac/README.md).
terraform {
  backend "s3" {
    key          = "lab-observability/bootstrap.tfstate"
    use_lockfile = true
    encrypt      = true
  }
}
