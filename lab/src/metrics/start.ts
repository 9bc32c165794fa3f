// Starts the lab's metrics store: the real Prometheus when installed, else the in-process fallback scraper.
import type { Supervisor } from '../processes.ts';
import type { RunFolder } from '../run-folder.ts';
import { FallbackScraper } from './fallback-scraper.ts';
import { PrometheusApi } from './prometheus-api.ts';
import { findPrometheus, INSTALL_HINT, type ScrapeTarget, startPrometheus } from './prometheus.ts';
import type { MetricsSource } from './source.ts';

export interface StartedMetrics {
  source: MetricsSource;
  /** Set in fallback mode: stop it when the run ends. */
  scraper?: FallbackScraper;
  prometheusBinary?: string;
  /** One line for the display. */
  description: string;
}

export interface MetricsSettings {
  noPrometheus: boolean;
  prometheusBin?: string;
  port: number;
  scrapeIntervalSeconds: number;
}

export async function startMetrics(
  supervisor: Supervisor,
  folder: RunFolder,
  targets: ScrapeTarget[],
  settings: MetricsSettings,
  log: (line: string) => void,
): Promise<StartedMetrics> {
  const interval = settings.scrapeIntervalSeconds;
  const binary = settings.noPrometheus ? undefined : findPrometheus(settings.prometheusBin);
  if (binary) {
    await startPrometheus(supervisor, binary, folder, settings.port, targets, interval, log);
    return {
      source: new PrometheusApi(`http://127.0.0.1:${settings.port}`, interval),
      prometheusBinary: binary,
      description: `Prometheus ${binary} on http://127.0.0.1:${settings.port}, scraping every ${interval}s`,
    };
  }
  const scraper = new FallbackScraper(targets, folder.scrapes);
  scraper.start(interval);
  const why = settings.noPrometheus ? '--no-prometheus' : `Prometheus not found on PATH; ${INSTALL_HINT}`;
  return { source: scraper, scraper, description: `${why}. Scraping /metrics in-process every ${interval}s instead.` };
}
