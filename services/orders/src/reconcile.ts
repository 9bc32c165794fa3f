// The recovery a real shop runs: orders left `processing` (a downstream outage, a client that gave up) are settled
// in the background once they are older than ORDERS_RECONCILE_AFTER_MS, so reserved stock is never held forever.
// Each settled order is a span (`orders.reconcile`), a log line and a sample of orders_reconciled_total{outcome}.
import { integerFromEnv } from '@lab/service-kit';
import type { Telemetry } from '@lab/telemetry';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Checkout } from './checkout.ts';
import type { OrderStore, StaleOrder } from './store.ts';

/** Orders settled per sweep at most, so one sweep after a long outage does not flood catalog and payments. */
const BATCH = 20;

export interface Reconciler {
  stop(): void;
}

export function startReconciler(telemetry: Telemetry, checkout: Checkout, store: OrderStore, env: NodeJS.ProcessEnv = process.env): Reconciler {
  // Well past a checkout's own retries (payments: 3 attempts of 3 s), so a late authorization is seen, not raced.
  const afterMs = integerFromEnv('ORDERS_RECONCILE_AFTER_MS', 60_000, { min: 100, max: 86_400_000 }, env);
  const intervalMs = integerFromEnv('ORDERS_RECONCILE_INTERVAL_MS', 15_000, { min: 50, max: 3_600_000 }, env);
  const { logger, tracer } = telemetry;
  const reconciled = telemetry.metrics.counter({
    name: 'orders_reconciled_total',
    help: 'Orders left processing that the reconciler settled, by outcome (confirmed, payment_declined, expired, failed).',
    labelNames: ['outcome'],
  });

  const settle = (stale: StaleOrder) =>
    tracer.startActiveSpan('orders.reconcile', { attributes: { 'lab.order.id': stale.order.id } }, async (span) => {
      try {
        const order = await checkout.reconcile(stale);
        span.setAttribute('lab.reconcile.outcome', order.status);
        reconciled.inc({ outcome: order.status });
        logger.info({ order_id: order.id, outcome: order.status, processing_since: stale.order.updatedAt }, 'order reconciled');
      } catch (error) {
        // Still down: the order stays processing and the next sweep tries again.
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        reconciled.inc({ outcome: 'failed' });
        logger.warn({ order_id: stale.order.id, reason: (error as Error).message }, 'order reconciliation failed; will retry');
      } finally {
        span.end();
      }
    });

  let sweeping = false;
  const timer = setInterval(async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      for (const stale of store.staleProcessing(new Date(Date.now() - afterMs), BATCH)) await settle(stale);
    } finally {
      sweeping = false;
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
