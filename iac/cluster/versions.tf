# Terraform >= 1.6 or OpenTofu >= 1.6 (nothing here is specific to either). Providers pinned to exact versions; the
# lock file `tofu init` writes (.terraform.lock.hcl) pins their checksums and belongs in Git.
terraform {
  required_version = ">= 1.6.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.20.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "3.7.2"
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { project = "lab-observability", cluster = var.cluster_name }
  }
}
