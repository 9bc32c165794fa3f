# One private, encrypted bucket per store. The keys are the bucket names the platform's values use (the SeaweedFS
# `createBuckets` of deploy/platform/seaweedfs and each backend's settings; iac.test.ts checks they agree); on S3 they
# get the cluster name as prefix. Versioning guards the backups (Velero, etcd) against overwrites; the backends' own
# compaction and retention manage the others.
locals {
  buckets = {
    "thanos"         = { versioned = false }
    "loki-chunks"    = { versioned = false }
    "loki-ruler"     = { versioned = false }
    "tempo"          = { versioned = false }
    "pyroscope"      = { versioned = false }
    "velero"         = { versioned = true }
    "etcd-snapshots" = { versioned = true }
  }
}

resource "aws_s3_bucket" "store" {
  for_each = local.buckets
  bucket   = "${var.cluster_name}-${each.key}"
}

resource "aws_s3_bucket_public_access_block" "store" {
  for_each                = aws_s3_bucket.store
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "store" {
  for_each = aws_s3_bucket.store
  bucket   = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "store" {
  for_each = { for name, bucket in local.buckets : name => bucket if bucket.versioned }
  bucket   = aws_s3_bucket.store[each.key].id
  versioning_configuration {
    status = "Enabled"
  }
}

# Old versions of the backups expire after a week: versioning is a guard, not a second retention.
resource "aws_s3_bucket_lifecycle_configuration" "store" {
  for_each = aws_s3_bucket_versioning.store
  bucket   = each.value.bucket
  rule {
    id     = "expire-noncurrent"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
  }
}
