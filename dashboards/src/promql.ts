// PromQL over the HTTP server histogram (docs/conventions.md), shared by dashboards, Tempo's trace-to-metrics links
// and the SLO rules so that one definition of "request", "error" and "latency" holds everywhere.

export const serverHistogram = 'http_server_request_duration_seconds';
/** Server errors: the availability SLI counts 5xx only (4xx are the caller's fault). */
export const errorStatus = 'http_response_status_code=~"5.."';

/** Joins label matchers (empty ones dropped) into the inside of a `{...}` selector. */
export function matchers(...parts: string[]): string {
  return parts.filter((part) => part.length > 0).join(', ');
}

function sumBy(by: string[], inner: string): string {
  return by.length > 0 ? `sum by (${by.join(', ')}) (${inner})` : `sum(${inner})`;
}

export function rateOf(metric: string, selector: string, window: string): string {
  return `rate(${metric}${selector ? `{${selector}}` : ''}[${window}])`;
}

export function serverRequestsRate(selector: string, window: string, by: string[]): string {
  return sumBy(by, rateOf(`${serverHistogram}_count`, selector, window));
}

/** 5xx share of requests; 0 (not "no data") while there are requests but no 5xx series yet. */
export function serverErrorRatio(selector: string, window: string, by: string[]): string {
  const errors = serverRequestsRate(matchers(selector, errorStatus), window, by);
  const requests = serverRequestsRate(selector, window, by);
  return `(${errors} or ${requests} * 0) / ${requests}`;
}

/** Share of requests slower than `thresholdSeconds`, which must be one of the histogram's bucket bounds. */
export function serverSlowRatio(thresholdSeconds: number, selector: string, window: string, by: string[]): string {
  const fast = sumBy(by, rateOf(`${serverHistogram}_bucket`, matchers(selector, `le="${thresholdSeconds}"`), window));
  return `1 - (${fast} / ${serverRequestsRate(selector, window, by)})`;
}

export function serverLatencyQuantile(quantile: number, selector: string, window: string, by: string[]): string {
  return histogramQuantile(quantile, `${serverHistogram}_bucket`, selector, window, by);
}

export function histogramQuantile(quantile: number, bucket: string, selector: string, window: string, by: string[]) {
  return `histogram_quantile(${quantile}, ${sumBy([...by, 'le'], rateOf(bucket, selector, window))})`;
}
