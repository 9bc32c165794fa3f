# Argo CD and the root Application: after this, Git drives everything (deploy/README.md, bootstrap steps 1 and 4).
# The seed secrets (step 2) stay a manual step: their values would otherwise sit in the Terraform state.
locals {
  # The same root Application `kubectl apply` would create, read from the repository so the two cannot differ.
  root = yamldecode(file("${path.module}/../../deploy/argocd/bootstrap/root-${var.environment}.yaml"))
}

resource "helm_release" "argocd" {
  name             = "argocd"
  namespace        = "argocd"
  create_namespace = true
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-cd"
  version          = "10.1.1"
  wait             = true
  # Health of Applications, so the app-of-apps' sync waves wait for each other (the same Lua as deploy/README.md).
  values = [yamlencode({
    configs = {
      cm = {
        "resource.customizations.health.argoproj.io_Application" = file("${path.module}/application-health.lua")
      }
    }
  })]
}

# The root Application through argo-helm's argocd-apps chart (the helm provider applies charts, not manifests).
resource "helm_release" "root" {
  name       = "root"
  namespace  = "argocd"
  repository = "https://argoproj.github.io/argo-helm"
  chart      = "argocd-apps"
  version    = "2.0.5"
  values = [yamlencode({
    applications = {
      (local.root.metadata.name) = merge(local.root.spec, {
        namespace  = local.root.metadata.namespace
        finalizers = local.root.metadata.finalizers
      })
    }
  })]
  depends_on = [helm_release.argocd]
}
