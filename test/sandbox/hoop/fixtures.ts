import type { GatewayInventory } from '../../../src/collectors/gateway/index.ts';
import type { HoopIdentityInput } from '../../../src/sandbox/hoop/index.ts';

export const NOW = Date.parse('2025-06-01T00:00:00Z');

/** A small hand-made set of identities, as the other collectors would emit them. */
export const IDENTITIES: HoopIdentityInput[] = [
  { id: 'aws:111122223333:user/ci-deployer', kind: 'aws-iam-user', publicIds: ['AKIA2FAKEKEYQ7ZT3MVB'], principal: 'arn:aws:iam::111122223333:user/ci-deployer' },
  { id: 'aws:111122223333:user/etl', kind: 'aws-iam-user', publicIds: ['AKIA6FAKEZQ4MNB2RT5X'], principal: 'arn:aws:iam::111122223333:user/etl' },
  { id: 'aws:111122223333:user/backup', kind: 'aws-iam-user', publicIds: ['AKIA7FAKEW3XQ2MZ5NLB'], principal: 'arn:aws:iam::111122223333:user/backup' },
  { id: 'gcp:data-prod:sa/loader@data-prod.iam.gserviceaccount.com', kind: 'gcp-service-account', publicIds: ['0123456789abcdef0123456789abcdef01234567'], principal: 'loader@data-prod.iam.gserviceaccount.com' },
  { id: 'gcp:data-prod:sa/bi@data-prod.iam.gserviceaccount.com', kind: 'gcp-service-account', publicIds: [], principal: 'bi@data-prod.iam.gserviceaccount.com' },
  { id: 'k8s:prod-eu:payments/worker', kind: 'k8s-service-account', publicIds: ['payments/worker-token-x7k2p'] },
  { id: 'k8s:prod-eu:ci/runner', kind: 'k8s-service-account', publicIds: ['ci/runner-token-abcde'] },
  { id: 'azure:tenant-1:sp/reporting', kind: 'azure-service-principal', publicIds: [] },
  { id: 'aws:111122223333:user/reports', kind: 'aws-iam-user', publicIds: ['AKIA4FAKERZ7QW2MX3NB'], principal: 'arn:aws:iam::111122223333:user/reports' },
  { id: 'gcp:data-prod:sa/ml@data-prod.iam.gserviceaccount.com', kind: 'gcp-service-account', publicIds: ['89abcdef0123456789abcdef0123456789abcdef'], principal: 'ml@data-prod.iam.gserviceaccount.com' },
];

export function inventoryOf(identities: readonly HoopIdentityInput[]): GatewayInventory {
  return {
    identities: identities.map((i) => ({ id: i.id, name: i.id.split('/').pop() ?? i.id, ...(i.principal?.startsWith('arn:') ? { nativeId: i.principal } : {}) })),
    credentials: identities.flatMap((i) => i.publicIds.map((p) => ({ id: `${i.id}/key/${p}`, identityId: i.id, publicId: p }))),
  };
}
