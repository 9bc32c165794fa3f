// Which Application provides the CRD of a kind: an object of that kind may only sync in a later wave.
export const CRD_PROVIDERS: Record<string, string> = {
  'monitoring.coreos.com': 'prometheus-operator-crds',
  'external-secrets.io': 'external-secrets',
  'argoproj.io': 'argo-rollouts',
  'networking.istio.io': 'istio-base',
  'security.istio.io': 'istio-base',
  'telemetry.istio.io': 'istio-base',
  'kyverno.io': 'kyverno',
};
