// Measure 2: the demo checkout path through the services, instrumented vs not. Needs startShop() from
// packages/service-kit/src/testing.ts (the demo services' test harness); until it exists the report says so.
import { existsSync } from 'node:fs';
import type { CheckoutResult } from '../results.ts';

const TESTING_MODULE = new URL('../../../packages/service-kit/src/testing.ts', import.meta.url);

export async function runCheckoutSuite(): Promise<CheckoutResult> {
  if (!existsSync(TESTING_MODULE)) {
    return { status: 'missing', reason: 'packages/service-kit/src/testing.ts (startShop) does not exist yet' };
  }
  const testing = (await import(TESTING_MODULE.href)) as Record<string, unknown>;
  if (typeof testing.startShop !== 'function') {
    return { status: 'missing', reason: 'packages/service-kit/src/testing.ts exports no startShop()' };
  }
  return { status: 'missing', reason: 'startShop() exists but the bench does not drive the checkout path yet' };
}
