# Remote state in S3 with a lock file (S3 conditional writes: Terraform >= 1.10 and OpenTofu >= 1.10 support
# `use_lockfile`, no DynamoDB table). The bucket is created once by hand, before the first `init`, because this
# configuration cannot hold its own state: see iac/README.md. Settings come from `-backend-config=../backend.hcl`.
terraform {
  backend "s3" {
    key          = "lab-observability/cluster.tfstate"
    use_lockfile = true
    encrypt      = true
  }
}
