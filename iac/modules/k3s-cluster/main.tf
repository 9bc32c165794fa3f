# k3s on EC2: servers with embedded etcd (the first one initialises the cluster, the others join it), agents,
# Cilium-ready (no flannel, no k3s network policy controller, no Traefik: deploy/README.md's bootstrap installs
# Cilium, the Istio ingress gateway is the entry). No SSH: the nodes are reached through SSM.
data "aws_region" "current" {}

data "aws_availability_zones" "available" {
  state = "available"
}

# Debian 12, the distribution the repository's CI uses; the parameter always names the latest AMI of the release.
data "aws_ssm_parameter" "debian" {
  name = "/aws/service/debian/release/12/latest/amd64"
}

resource "aws_vpc" "cluster" {
  cidr_block           = var.vpc_cidr
  enable_dns_hostnames = true
  tags                 = { Name = var.cluster_name }
}

resource "aws_subnet" "nodes" {
  vpc_id                  = aws_vpc.cluster.id
  cidr_block              = cidrsubnet(var.vpc_cidr, 4, 0)
  availability_zone       = data.aws_availability_zones.available.names[0]
  map_public_ip_on_launch = true
  tags                    = { Name = "${var.cluster_name}-nodes" }
}

resource "aws_internet_gateway" "cluster" {
  vpc_id = aws_vpc.cluster.id
}

resource "aws_route_table" "nodes" {
  vpc_id = aws_vpc.cluster.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.cluster.id
  }
}

resource "aws_route_table_association" "nodes" {
  subnet_id      = aws_subnet.nodes.id
  route_table_id = aws_route_table.nodes.id
}

resource "aws_security_group" "nodes" {
  name        = "${var.cluster_name}-nodes"
  description = "k3s nodes: everything between nodes, the API from the allowed ranges, all egress"
  vpc_id      = aws_vpc.cluster.id
  ingress {
    description = "between nodes (etcd, kubelet, Cilium, the API)"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    self        = true
  }
  ingress {
    description = "Kubernetes API"
    from_port   = 6443
    to_port     = 6443
    protocol    = "tcp"
    cidr_blocks = var.api_allowed_cidrs
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# The nodes' identity: SSM for access, and for the servers the etcd snapshot bucket (k3s uses the instance role when
# no S3 keys are configured).
data "aws_iam_policy_document" "assume_ec2" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name               = "${var.cluster_name}-node"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.node.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_iam_policy_document" "etcd_snapshots" {
  statement {
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = ["arn:aws:s3:::${var.etcd_snapshot_bucket}"]
  }
  statement {
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["arn:aws:s3:::${var.etcd_snapshot_bucket}/${var.cluster_name}/*"]
  }
}

resource "aws_iam_role_policy" "etcd_snapshots" {
  name   = "etcd-snapshots"
  role   = aws_iam_role.node.id
  policy = data.aws_iam_policy_document.etcd_snapshots.json
}

resource "aws_iam_instance_profile" "node" {
  name = "${var.cluster_name}-node"
  role = aws_iam_role.node.name
}

resource "random_password" "token" {
  length  = 48
  special = false
}

# A fixed public address for the first server, known before it boots, so its API certificate names it.
resource "aws_eip" "api" {
  domain = "vpc"
}

locals {
  first_server = "https://${cidrhost(aws_subnet.nodes.cidr_block, 10)}:6443"
  node_config = {
    k3s_version             = var.k3s_version
    token                   = random_password.token.result
    first_server            = local.first_server
    api_address             = aws_eip.api.public_ip
    etcd_snapshot_bucket    = var.etcd_snapshot_bucket
    etcd_snapshot_region    = data.aws_region.current.region
    etcd_snapshot_folder    = var.cluster_name
    etcd_snapshot_schedule  = var.etcd_snapshot_schedule
    etcd_snapshot_retention = var.etcd_snapshot_retention
  }
}

resource "aws_instance" "server" {
  count                  = var.server_count
  ami                    = data.aws_ssm_parameter.debian.value
  instance_type          = var.instance_type
  subnet_id              = aws_subnet.nodes.id
  private_ip             = cidrhost(aws_subnet.nodes.cidr_block, 10 + count.index)
  vpc_security_group_ids = [aws_security_group.nodes.id]
  iam_instance_profile   = aws_iam_instance_profile.node.name
  user_data              = templatefile("${path.module}/cloud-init.yaml.tftpl", merge(local.node_config, { role = "server", init = count.index == 0 }))
  metadata_options {
    http_tokens = "required"
  }
  root_block_device {
    volume_size = 60
    encrypted   = true
  }
  tags = { Name = "${var.cluster_name}-server-${count.index}" }
  lifecycle {
    # A new AMI or a changed config must not replace a running etcd member; roll nodes on purpose.
    ignore_changes = [ami, user_data]
  }
}

resource "aws_eip_association" "api" {
  allocation_id = aws_eip.api.id
  instance_id   = aws_instance.server[0].id
}

resource "aws_instance" "agent" {
  count                  = var.agent_count
  ami                    = data.aws_ssm_parameter.debian.value
  instance_type          = var.instance_type
  subnet_id              = aws_subnet.nodes.id
  vpc_security_group_ids = [aws_security_group.nodes.id]
  iam_instance_profile   = aws_iam_instance_profile.node.name
  user_data              = templatefile("${path.module}/cloud-init.yaml.tftpl", merge(local.node_config, { role = "agent", init = false }))
  metadata_options {
    http_tokens = "required"
  }
  root_block_device {
    volume_size = 60
    encrypted   = true
  }
  tags = { Name = "${var.cluster_name}-agent-${count.index}" }
  lifecycle {
    ignore_changes = [ami, user_data]
  }
  depends_on = [aws_instance.server]
}
