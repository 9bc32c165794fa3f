// The shop's user journeys over the gateway API, defined once: the k6 scripts (loadtest/k6) and the local runner
// (runner.ts) both interpret them. Dependency-free on purpose: k6 runs this file, so no node: imports here.
import type { Journey, Step, StepResponse } from './journey-types.ts';

/** W3C baggage key carrying the run id; services copy it to the span attribute and the log field `run_id`. */
export const RUN_ID_BAGGAGE_KEY = 'lab.run_id';

const SEARCH_TERMS = ['grinder', 'kettle', 'headphones', 'knife', 'tent', 'teapot', 'speaker', 'backpack', 'cookbook'];
/** The catalog seeds p-0001 .. p-0400; a listing or a search tells the journey real ids. */
const CATALOG_SIZE = 400;
const PAGE_SIZE = 20;
/** A test card number (passes the Luhn check); the payments service never stores it whole. */
const TEST_CARD = { number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' };

export interface ShopState extends Record<string, unknown> {
  productId: string;
  /** Offset of the product page listed. */
  offset: number;
  term: string;
  cartId: string;
  quantity: number;
  idempotencyKey: string;
  orderId?: string;
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length) % items.length]!;
}

function randomId(random: () => number): string {
  return Array.from({ length: 4 }, () => Math.floor(random() * 0x10000).toString(16).padStart(4, '0')).join('');
}

function initialShopState(random: () => number): ShopState {
  return {
    productId: `p-${String(1 + Math.floor(random() * CATALOG_SIZE)).padStart(4, '0')}`,
    offset: Math.floor(random() * (CATALOG_SIZE / PAGE_SIZE)) * PAGE_SIZE,
    term: pick(SEARCH_TERMS, random),
    cartId: `cart-${randomId(random)}`,
    quantity: 1 + Math.floor(random() * 2),
    idempotencyKey: `idem-${randomId(random)}-${randomId(random)}`,
  };
}

/** Product ids in a listing (`{ items: [...] }`) or search answer (`{ hits: [...] }`). */
function productIds(json: unknown): string[] {
  const record = json as Record<string, unknown> | undefined;
  const list = Array.isArray(json) ? json : (record?.['items'] ?? record?.['hits']);
  if (!Array.isArray(list)) return [];
  return list.map((item) => (item as Record<string, unknown> | null)?.['id']).filter((id) => typeof id === 'string');
}

function withListedProduct(state: ShopState, response: StepResponse): ShopState {
  const ids = productIds(response.json);
  return ids.length === 0 ? state : { ...state, productId: ids[Math.abs(hash(state.cartId)) % ids.length]! };
}

function hash(text: string): number {
  let value = 0;
  for (let index = 0; index < text.length; index++) value = (value * 31 + text.charCodeAt(index)) | 0;
  return value;
}

const listProducts: Step<ShopState> = {
  name: 'GET /api/products',
  method: 'GET',
  path: (state) => `/api/products?limit=${PAGE_SIZE}&offset=${state.offset}`,
  expect: [200],
  extract: withListedProduct,
  thinkMs: 300,
};

const viewProduct: Step<ShopState> = {
  name: 'GET /api/products/:id',
  method: 'GET',
  path: (state: ShopState) => `/api/products/${encodeURIComponent(state.productId)}`,
  expect: [200],
  thinkMs: 300,
};

const searchProducts: Step<ShopState> = {
  name: 'GET /api/search',
  method: 'GET',
  path: (state: ShopState) => `/api/search?q=${encodeURIComponent(state.term)}`,
  expect: [200],
  extract: withListedProduct,
  thinkMs: 300,
};

const addToCart: Step<ShopState> = {
  name: 'POST /api/cart/:cartId/items',
  method: 'POST',
  path: (state: ShopState) => `/api/cart/${encodeURIComponent(state.cartId)}/items`,
  body: (state: ShopState) => ({ productId: state.productId, quantity: state.quantity }),
  expect: [200, 201],
  thinkMs: 300,
};

const checkout: Step<ShopState> = {
  name: 'POST /api/checkout',
  method: 'POST',
  path: () => '/api/checkout',
  body: (state: ShopState) => ({ cartId: state.cartId, card: TEST_CARD }),
  headers: (state: ShopState) => ({ 'idempotency-key': state.idempotencyKey }),
  expect: [200, 201],
  extract: (state: ShopState, response: StepResponse): ShopState => {
    const orderId = (response.json as Record<string, unknown> | undefined)?.['id'];
    return typeof orderId === 'string' ? { ...state, orderId } : state;
  },
};

const viewOrder: Step<ShopState> = {
  name: 'GET /api/orders/:id',
  method: 'GET',
  path: (state) => `/api/orders/${encodeURIComponent(state.orderId ?? 'ord_missing')}`,
  expect: [200],
};

function shopJourney(name: string, weight: number, steps: Step<ShopState>[], thresholds: Journey['thresholds']): Journey<ShopState> {
  return { name, weight, initialState: initialShopState, steps, thresholds };
}

export const browse = shopJourney('browse', 4, [listProducts, viewProduct], { p95Ms: 1500, maxErrorRate: 0.05 });
export const search = shopJourney('search', 3, [searchProducts, viewProduct], { p95Ms: 1500, maxErrorRate: 0.05 });
export const addToCartJourney = shopJourney('add-to-cart', 2, [listProducts, addToCart], { p95Ms: 2000, maxErrorRate: 0.05 });
// Checkout crosses gateway -> orders -> catalog/payments: the slowest journey, and the one the incident hits.
export const checkoutJourney = shopJourney('checkout', 2, [listProducts, addToCart, checkout, viewOrder], { p95Ms: 5000, maxErrorRate: 0.1 });

export const journeys: Journey<ShopState>[] = [browse, search, addToCartJourney, checkoutJourney];

/** Picks a journey by weight. */
export function pickJourney<J extends { weight: number }>(list: readonly J[], random: () => number): J {
  const total = list.reduce((sum, journey) => sum + journey.weight, 0);
  let point = random() * total;
  for (const journey of list) {
    point -= journey.weight;
    if (point < 0) return journey;
  }
  return list[list.length - 1]!;
}

/** Headers every load request carries: the run id as W3C baggage, plus the step's own. */
export function requestHeaders(runId: string, stepHeaders?: Record<string, string>): Record<string, string> {
  return { accept: 'application/json', baggage: `${RUN_ID_BAGGAGE_KEY}=${encodeURIComponent(runId)}`, ...stepHeaders };
}
