// Annotations that mark causes on every time-series panel: k6 runs (one region per testid) and injected faults.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { datasource } from './datasources.ts';

function prometheusAnnotation(name: string, color: string, expr: string) {
  return new dashboard.AnnotationQueryBuilder()
    .name(name)
    .datasource(datasource.prometheus)
    .enable(true)
    .iconColor(color)
    .target(new prometheus.DataqueryBuilder().refId('Anno').expr(expr).range())
    .step('30s');
}

/** A region while a k6 run remote-writes samples, titled with its testid. */
export function k6RunAnnotation(filter = '') {
  return prometheusAnnotation('k6 runs', 'purple', `max by (testid) (k6_vus${filter ? `{${filter}}` : ''})`)
    .titleFormat('k6 run {{testid}}')
    .tagKeys('testid');
}

/** A region while a fault is active (`lab_fault_active` = 1), titled with its kind and route. */
export function faultAnnotation(activeFaultsExpr: string) {
  return prometheusAnnotation('Faults', 'red', activeFaultsExpr)
    .titleFormat('fault {{fault}}')
    .textFormat('{{fault}} on {{route}}')
    .tagKeys('fault,route');
}
