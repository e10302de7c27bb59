/**
 * An abort controller that follows a parent signal (the scan's): aborting the parent aborts it,
 * while aborting it (one source failing) leaves the parent alone. `dispose` unhooks it.
 */
export function linkedAbort(parent: AbortSignal | undefined): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  parent?.addEventListener('abort', onAbort, { once: true });
  if (parent?.aborted) controller.abort();
  return { controller, dispose: () => parent?.removeEventListener('abort', onAbort) };
}

/** Awaits all tasks, aborting at the first failure so queued calls of the same source stop early. */
export async function allOrAbort<T>(tasks: Promise<T>[], abort: AbortController): Promise<T[]> {
  return Promise.all(
    tasks.map((t) =>
      t.catch((err: unknown) => {
        abort.abort();
        throw err;
      }),
    ),
  );
}

/** Waits `ms`, or rejects with `aborted()` as soon as `signal` aborts (at once when it already has). */
export function abortableSleep(ms: number, signal: AbortSignal | undefined, aborted: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(aborted());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
