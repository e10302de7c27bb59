import { EXIT } from './common.ts';

/**
 * SIGINT/SIGTERM abort the running work through an AbortSignal so the scan is recorded as
 * interrupted; a second signal exits at once.
 */
export function abortOnSignals(): { signal: AbortSignal; exitCode(): number | undefined; dispose(): void } {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (received) process.exit(sig === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
    received = sig;
    process.stderr.write(`\n${sig}: stopping (press again to quit at once)\n`);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    exitCode: () => (received === 'SIGINT' ? EXIT.sigint : received === 'SIGTERM' ? EXIT.sigterm : undefined),
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
