/**
 * Stripe secret and restricted keys. Decision: test-mode keys (sk_test_, rk_test_) are reported at
 * low severity: they cannot move money, but they expose the account's test data and show a key
 * handling practice that live keys usually share. Publishable keys (pk_) are public and ignored.
 */
import type { SecretRule } from '../types.ts';
import { fakeChars } from './fake.ts';

interface StripeKey {
  id: string;
  title: string;
  prefix: string;
  severity: SecretRule['severity'];
  what: string;
}

function stripeRule(k: StripeKey): SecretRule {
  // Generated, so no key-shaped literal sits in the source.
  const prefixes = k.prefix.split('|');
  const first = prefixes[0]!;
  const key = (seed: string): string => `${first}FAKE${fakeChars(`${k.id}${seed}`, 95)}`;
  const alt = prefixes.join('|');
  return {
    id: k.id,
    family: 'stripe',
    title: k.title,
    description:
      `${k.what} Roll the key in the Stripe dashboard (Developers > API keys > Roll key), review the ` +
      'request logs for its use, and keep it in a secret manager.',
    severity: k.severity,
    keywords: prefixes,
    pattern: new RegExp(String.raw`(?<![A-Za-z0-9_])(?<secret>(?:${alt})[0-9A-Za-z]{24,247})(?![A-Za-z0-9_])`, 'g'),
    minEntropy: 3.5,
    samples: {
      match: [
        `STRIPE_SECRET_KEY=${key('1')}`,
        `Stripe.api_key = "${key('2')}"`,
        `const stripe = require('stripe')('${key('3')}');`,
        `{"stripe": {"secretKey": "${key('4')}"}}`,
      ],
      noMatch: [
        'STRIPE_SECRET_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dc',
        `STRIPE_SECRET_KEY=${first}${'x'.repeat(24)}`,
        `STRIPE_SECRET_KEY=${first}FAKEshort0`,
        'STRIPE_PUBLISHABLE_KEY=pk_live_FAKE0a9Q2x7Lm4Vp8Rt1Zw6Ny3Bc5',
      ],
    },
  };
}

export const STRIPE_RULES: readonly SecretRule[] = [
  stripeRule({
    id: 'stripe-secret-key', title: 'Stripe live secret key', prefix: 'sk_live_', severity: 'critical',
    what: 'A live-mode Stripe secret key: full API access to charges, payouts, customers and refunds.',
  }),
  stripeRule({
    id: 'stripe-restricted-key', title: 'Stripe live restricted key', prefix: 'rk_live_', severity: 'high',
    what: 'A live-mode Stripe restricted key: API access limited to the permissions it was given.',
  }),
  stripeRule({
    id: 'stripe-test-key', title: 'Stripe test-mode key', prefix: 'sk_test_|rk_test_', severity: 'low',
    what: 'A test-mode Stripe secret or restricted key: no real money, but the account\'s test data.',
  }),
];
