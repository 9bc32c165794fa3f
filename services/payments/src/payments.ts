// Wires the payments service: its own database, the authorizer, routes, service scaffold.
import { randomBytes } from 'node:crypto';
import type { Telemetry } from '@lab/telemetry';
import { ConfigError, dataDirFromEnv, openDatabase, startService } from '@lab/service-kit';
import { Authorizer } from './authorize.ts';
import { paymentRoutes } from './routes.ts';
import { PaymentStore } from './store.ts';

export async function startPayments(telemetry: Telemetry) {
  const fingerprintKey = cardFingerprintKey(telemetry);
  const db = openDatabase({ dataDir: dataDirFromEnv(), file: 'payments.db', name: 'payments' });
  const store = new PaymentStore(db);
  return startService({
    telemetry,
    routes: (router) => paymentRoutes(router, new Authorizer(store, fingerprintKey), store),
    defaultPort: 8083,
    defaultAdminPort: 9083,
    readiness: { database: () => db.prepare('SELECT 1').get() },
    onClose: () => db.close(),
  });
}

const MIN_KEY_LENGTH = 32;

/** The HMAC key of card fingerprints: a secret from the environment (an ExternalSecret in the cluster). */
function cardFingerprintKey(telemetry: Telemetry, env: NodeJS.ProcessEnv = process.env): Buffer {
  const text = env['CARD_FINGERPRINT_KEY'];
  if (!text) {
    telemetry.logger.warn('CARD_FINGERPRINT_KEY is unset: a random key for this process, so fraud velocity counts restart with it');
    return randomBytes(32);
  }
  if (text.length < MIN_KEY_LENGTH) {
    throw new ConfigError(`CARD_FINGERPRINT_KEY must be at least ${MIN_KEY_LENGTH} characters (got ${text.length})`);
  }
  return Buffer.from(text);
}
