output "api_endpoint" {
  description = "Kubernetes API URL (the first server's fixed public address)."
  value       = "https://${aws_eip.api.public_ip}:6443"
}

output "kubeconfig_command" {
  description = "Shell command writing the admin kubeconfig to ./kubeconfig, through SSM."
  value       = "id=$(aws ssm send-command --region ${data.aws_region.current.region} --instance-ids ${aws_instance.server[0].id} --document-name AWS-RunShellScript --parameters 'commands=[\"cat /etc/rancher/k3s/k3s.yaml\"]' --query Command.CommandId --output text) && sleep 5 && aws ssm get-command-invocation --region ${data.aws_region.current.region} --instance-id ${aws_instance.server[0].id} --command-id $id --query StandardOutputContent --output text | sed 's#https://127.0.0.1:6443#https://${aws_eip.api.public_ip}:6443#' > kubeconfig"
}
