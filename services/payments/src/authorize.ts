// Card authorization: fraud scoring, then approve or decline; at most one authorization per order id.
import { randomBytes } from 'node:crypto';
import { type Card, HttpProblem } from '@lab/service-kit';
import { FraudModel, fingerprintCard } from './fraud.ts';
import type { Payment, PaymentStore } from './store.ts';

export interface AuthorizationRequest {
  orderId: string;
  amountCents: number;
  currency: string;
  card: Card;
  email?: string;
}

/** Test cards (as payment providers document them): this one is always declined. */
export const DECLINED_TEST_CARD = '4000000000000002';
const DECLINE_THRESHOLD = 0.8;
const VELOCITY_WINDOW_MS = 10 * 60_000;

export class Authorizer {
  readonly #store: PaymentStore;
  readonly #model = new FraudModel();
  readonly #fingerprintKey: Buffer;

  constructor(store: PaymentStore, fingerprintKey: Buffer) {
    this.#store = store;
    this.#fingerprintKey = fingerprintKey;
  }

  authorize(request: AuthorizationRequest): { payment: Payment; created: boolean } {
    const existing = this.#store.get(request.orderId);
    if (existing) return { payment: this.#sameRequest(existing, request), created: false };
    const fingerprint = fingerprintCard(this.#fingerprintKey, request.card.number);
    const recentAttempts = this.#store.attemptsSince(fingerprint, new Date(Date.now() - VELOCITY_WINDOW_MS));
    const assessment = this.#model.assess({ ...request, cardNumber: request.card.number, recentAttempts });
    const declineReason =
      request.card.number === DECLINED_TEST_CARD
        ? 'card_declined'
        : assessment.score >= DECLINE_THRESHOLD
          ? `fraud_suspected:${assessment.reasons.join('+') || 'model'}`
          : null;
    const payment: Payment = {
      orderId: request.orderId,
      status: declineReason ? 'declined' : 'authorized',
      amountCents: request.amountCents,
      currency: request.currency,
      cardLast4: request.card.number.slice(-4),
      fraudScore: assessment.score,
      authorizationCode: declineReason ? null : randomBytes(4).toString('hex').toUpperCase(),
      declineReason,
      createdAt: new Date().toISOString(),
    };
    // Everything above is synchronous, so no other request for this order interleaves; the primary key is the
    // guarantee across processes.
    const stored = this.#store.insertOnce(payment, fingerprint);
    return { payment: this.#sameRequest(stored.payment, request), created: stored.created };
  }

  /** A replay must carry the same amount: the same order id with another amount is a client bug, not a retry. */
  #sameRequest(payment: Payment, request: AuthorizationRequest): Payment {
    if (payment.amountCents === request.amountCents && payment.currency === request.currency) return payment;
    throw new HttpProblem(409, {
      type: 'idempotency-conflict',
      title: 'Conflicting authorization',
      detail: `order '${request.orderId}' was already authorized for ${payment.amountCents} ${payment.currency}`,
      errors: [{ field: 'amountCents', in: 'body', detail: 'differs from the first authorization of this order' }],
    });
  }
}
