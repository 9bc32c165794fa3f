// The run folder's layout, in one place: the lab writes it, the local backends and the report read it.
import { join } from 'node:path';

export interface RunFolder {
  root: string;
  /** OTLP JSON lines: one ExportTraceServiceRequest per line. */
  traces: string;
  /** OTLP JSON lines of logs exported over OTLP (only when a service turns OTLP log export on). */
  otlpLogs: string;
  /** One JSON-lines file per service: its stdout, collected like Fluent Bit. */
  logsDir: string;
  /** pprof files as uploaded: profiles/<seq>-<service>.pb.gz */
  profilesDir: string;
  prometheusConfig: string;
  prometheusData: string;
  /** The fallback scraper's samples (only when Prometheus is not installed). */
  scrapes: string;
  /** Per-service DATA_DIR (SQLite files). */
  dataDir: string;
  summary: string;
  report: string;
  /** The lab's own diagnostics (Prometheus output, receiver errors). */
  labLog: string;
}

export function runFolder(root: string): RunFolder {
  return {
    root,
    traces: join(root, 'traces.otlp.jsonl'),
    otlpLogs: join(root, 'logs.otlp.jsonl'),
    logsDir: join(root, 'logs'),
    profilesDir: join(root, 'profiles'),
    prometheusConfig: join(root, 'prometheus', 'prometheus.yml'),
    prometheusData: join(root, 'prometheus', 'data'),
    scrapes: join(root, 'prometheus', 'scrapes.jsonl'),
    dataDir: join(root, 'data'),
    summary: join(root, 'summary.json'),
    report: join(root, 'report.html'),
    labLog: join(root, 'lab.log'),
  };
}

export function serviceLogFile(folder: RunFolder, service: string): string {
  return join(folder.logsDir, `${service}.jsonl`);
}

/** A folder name that sorts by time: 2026-11-26T10-02-03Z. */
export function timestampName(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll(':', '-');
}
