/**
 * Everything the benchmark starts or creates (server processes, the embedded
 * PostgreSQL cluster, temp directories) is registered here the moment it
 * exists, so that a normal end, a failure and Ctrl-C all undo the same list.
 *
 * Each step has two forms: `graceful` (async: SIGTERM and wait, stop the
 * cluster, remove files) for the normal path and a first Ctrl-C, and
 * `immediate` (synchronous: SIGKILL, rmSync) for a crash or a second Ctrl-C,
 * when there is no event loop left to wait on.
 */
export class CleanupStack {
  #steps = [];
  #closing;

  /**
   * Registers a step; returns a function that runs it gracefully now (once)
   * and takes it off the stack: a scenario releases its own servers at its end.
   */
  add(name, graceful, immediate) {
    const step = { name, graceful, immediate, done: undefined };
    this.#steps.push(step);
    if (this.#closing) {
      // Created while the bench is being torn down: undo it at once.
      this.#run(step, false);
      throw new Error(`${name} was created while the benchmark was stopping`);
    }
    return () => this.#run(step, true);
  }

  /** Runs every remaining step gracefully, last created first; safe to call twice. */
  runAll() {
    this.#closing ??= (async () => {
      while (this.#steps.length > 0) await this.#run(this.#steps[this.#steps.length - 1], true);
    })();
    return this.#closing;
  }

  /** Runs every remaining step synchronously (SIGKILL, rmSync), last created first. */
  runAllNow() {
    this.#closing ??= Promise.resolve();
    for (const step of [...this.#steps].reverse()) this.#run(step, false);
  }

  get pending() {
    return this.#steps.map((s) => s.name);
  }

  #run(step, graceful) {
    if (step.done && graceful) return step.done;
    const index = this.#steps.indexOf(step);
    if (index >= 0) this.#steps.splice(index, 1);
    if (!graceful) {
      try {
        step.immediate();
      } catch (error) {
        process.stderr.write(`bench: cleanup of ${step.name} failed: ${error.message}\n`);
      }
      return (step.done ??= Promise.resolve());
    }
    step.done = (async () => {
      try {
        await step.graceful();
      } catch (error) {
        process.stderr.write(`bench: cleanup of ${step.name} failed (${error.message}); forcing it\n`);
        try {
          step.immediate();
        } catch (forced) {
          process.stderr.write(`bench: forced cleanup of ${step.name} failed: ${forced.message}\n`);
        }
      }
    })();
    return step.done;
  }
}
