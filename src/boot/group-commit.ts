interface Job {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * Group commit: work queued within one turn of the event loop runs in order, in one transaction, at
 * the end of that turn, and each caller hears its own result once the whole batch is committed. A
 * storm of /boot answers (events, tokens, discovered records) pays for one commit per turn instead
 * of one per write, and each answer is still sent only after what it wrote is in the database.
 */
export class GroupCommit {
  private queue: Job[] = [];

  constructor(
    private readonly transaction: (work: () => void) => void,
    /** Called when a batch's commit failed and nothing of it was kept. */
    private readonly onFailure: () => void = () => undefined,
  ) {}

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.transaction(() => {
        for (const job of batch) {
          try {
            outcomes.push({ ok: true, value: job.work() });
          } catch (error) {
            outcomes.push({ ok: false, value: error });
          }
        }
      });
    } catch (error) {
      this.onFailure();
      for (const job of batch) job.reject(error);
      return;
    }
    batch.forEach((job, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) job.resolve(outcome.value);
      else job.reject(outcome?.value);
    });
  }
}
