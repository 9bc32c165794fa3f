// Measure 2: the demo checkout path through the four services (gateway -> orders -> catalog, payments; SQLite), with
// @lab/telemetry tracing every request at 100% against the same services with the library switched off
// (OTEL_SDK_DISABLED=true: no spans, no profiles; the access log and /metrics stay, as they are not optional). Each
// virtual user loops: add an item to a fresh cart, check out with a fresh Idempotency-Key. Rounds alternate.
import { performance } from 'node:perf_hooks';
import { type Shop, shopHarness } from '@lab/dev-kit/shop';
import type { Placement } from '../app-process.ts';
import { pinProcess } from '../child.ts';
import { percentile } from '../stats.ts';
import type { BenchSettings } from '../settings.ts';

const { startShop } = shopHarness(import.meta.url);

export const CHECKOUT_VARIANTS = ['disabled', 'traced'] as const;
export type CheckoutVariant = (typeof CHECKOUT_VARIANTS)[number];

export interface CheckoutSample {
  checkoutsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

export interface CheckoutResult {
  users: number;
  durationSec: number;
  /** samples[variant][round] */
  samples: Record<CheckoutVariant, CheckoutSample[]>;
}

const USERS = 8;
const CARD = { number: '4242424242424242', expiry: '12/30', cvc: '123' };

export async function runCheckoutSuite(settings: BenchSettings, sinkUrl: string, placement: Placement, log: (line: string) => void): Promise<CheckoutResult> {
  const samples: Record<CheckoutVariant, CheckoutSample[]> = { disabled: [], traced: [] };
  for (let round = 1; round <= settings.rounds; round += 1) {
    for (const variant of CHECKOUT_VARIANTS) {
      const shop = await startShop({
        otlpEndpoint: sinkUrl,
        env: { all: { OTEL_SDK_DISABLED: variant === 'disabled' ? 'true' : 'false', OTEL_BSP_SCHEDULE_DELAY: '5000' } },
      });
      try {
        if (placement.serverCpu !== undefined) for (const service of shop.services) pinProcess(service.child.pid!, placement.serverCpu);
        await drive(shop, `w${round}${variant}`, settings.warmupSec);
        const sample = await drive(shop, `r${round}${variant}`, settings.saturationSec);
        samples[variant].push(sample);
        log(`checkout round ${round}/${settings.rounds} ${variant}: ${sample.checkoutsPerSec.toFixed(1)}/s, p50 ${sample.p50Ms.toFixed(1)} ms p99 ${sample.p99Ms.toFixed(1)} ms, ${sample.failures} failed`);
      } finally {
        await shop.stop();
      }
    }
  }
  return { users: USERS, durationSec: settings.saturationSec, samples };
}

/** USERS closed-loop users checking out for durationSec; latency is the checkout request's. */
async function drive(shop: Shop, prefix: string, durationSec: number): Promise<CheckoutSample> {
  const latencies: number[] = [];
  let failures = 0;
  const deadline = performance.now() + durationSec * 1000;
  const user = async (userId: number) => {
    for (let i = 0; performance.now() < deadline; i += 1) {
      const id = `${prefix}-${userId}-${i}`;
      const added = await post(`${shop.gateway.url}/api/cart/${id}/items`, { productId: 'p-0020', quantity: 1 });
      const started = performance.now();
      const checkout = added === 201 ? await post(`${shop.gateway.url}/api/checkout`, { cartId: id, card: CARD }, { 'Idempotency-Key': id }) : added;
      if (checkout === 201) latencies.push(performance.now() - started);
      else failures += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: USERS }, (_, userId) => user(userId)));
  const elapsedSec = (performance.now() - started) / 1000;
  // The shop keeps every log line of its services in memory; the bench does not need them.
  for (const service of shop.services) service.logs.length = 0;
  latencies.sort((a, b) => a - b);
  return { checkoutsPerSec: latencies.length / elapsedSec, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), failures };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<number> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}
