/**
 * Every action implementation, loaded on first use: a provider's SDK is imported only when
 * `sprawl apply` or `sprawl rollback` runs (as the collectors are, src/pipeline/scan.ts).
 */
import type { ActionRegistry } from '../apply.ts';

export async function loadActionRegistry(): Promise<ActionRegistry> {
  const [aws, gcp, azure, kubernetes, github, gateway] = await Promise.all([
    import('./aws.ts'),
    import('./gcp.ts'),
    import('./azure.ts'),
    import('./kubernetes.ts'),
    import('./github.ts'),
    import('./gateway.ts'),
  ]);
  return {
    handlers: [...aws.awsHandlers, ...gcp.gcpHandlers, ...azure.azureHandlers, ...kubernetes.kubernetesHandlers, ...github.githubHandlers],
    minters: [aws.awsMinter, gcp.gcpMinter, azure.azureMinter, kubernetes.kubernetesMinter],
    gateway: (minters) => gateway.gatewayHandlers(minters),
  };
}
