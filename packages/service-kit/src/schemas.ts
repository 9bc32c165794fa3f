// Input schemas more than one service validates the same way (zod 4).
import { z } from 'zod';

export const productIdSchema = z.string().regex(/^p-\d{4}$/, 'expected a product id like "p-0042"');

export const lineItemsSchema = z
  .array(z.strictObject({ productId: productIdSchema, quantity: z.number().int().min(1).max(100) }))
  .min(1, 'at least one item is required')
  .max(50);

export type LineItem = z.output<typeof lineItemsSchema>[number];

/** Card details as a client sends them; the number must pass the Luhn check. Never logged, never stored whole. */
export const cardSchema = z.strictObject({
  number: z
    .string()
    .transform((value) => value.replace(/[\s-]/g, ''))
    .pipe(z.string().regex(/^\d{12,19}$/, 'expected 12 to 19 digits').refine(passesLuhn, 'card number fails the Luhn check')),
  expiry: z.string().regex(/^(0[1-9]|1[0-2])\/\d{2}$/, 'expected MM/YY'),
  cvc: z.string().regex(/^\d{3,4}$/, 'expected 3 or 4 digits'),
});

export type Card = z.output<typeof cardSchema>;

/** Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header): any printable token up to 200 characters. */
export const idempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string({ error: 'the Idempotency-Key header is required' })
    .regex(/^[\x21-\x7e]{1,200}$/, 'expected 1 to 200 printable ASCII characters'),
});

export const orderIdSchema = z.string().regex(/^ord_[A-Za-z0-9_-]{6,64}$/, 'expected an order id like "ord_..."');

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
