output "buckets" {
  description = "S3 bucket name per platform bucket name."
  value       = { for name, bucket in aws_s3_bucket.store : name => bucket.bucket }
}

output "bucket_arns" {
  description = "Bucket ARN per platform bucket name, for IAM policies."
  value       = { for name, bucket in aws_s3_bucket.store : name => bucket.arn }
}

output "iam_users" {
  description = "IAM user per platform S3 identity (access key ids: observability, velero in the s3 seed secret)."
  value       = { for name, user in aws_iam_user.identity : name => user.name }
}
