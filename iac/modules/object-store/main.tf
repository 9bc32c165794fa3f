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

# The platform's two S3 identities, with the same reach as SeaweedFS gives them in-cluster
# (deploy/platform/external-secrets/config/seaweedfs.yaml): the observability backends their buckets, Velero only its
# own. No access keys here (they would sit in the state): create them with the AWS CLI into the `s3` seed secret
# (iac/README.md).
locals {
  identities = {
    "observability" = ["thanos", "loki-chunks", "loki-ruler", "tempo", "pyroscope"]
    "velero"        = ["velero"]
  }
}

resource "aws_iam_user" "identity" {
  for_each = local.identities
  name     = "${var.cluster_name}-${each.key}"
}

data "aws_iam_policy_document" "identity" {
  for_each = local.identities
  statement {
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [for name in each.value : aws_s3_bucket.store[name].arn]
  }
  statement {
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [for name in each.value : "${aws_s3_bucket.store[name].arn}/*"]
  }
}

resource "aws_iam_user_policy" "identity" {
  for_each = local.identities
  name     = "buckets"
  user     = aws_iam_user.identity[each.key].name
  policy   = data.aws_iam_policy_document.identity[each.key].json
}
