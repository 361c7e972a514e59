/**
 * A view of `repository` whose every method reports its failures to
 * `onFailure` before passing them on unchanged. A refusal by the access
 * decision a caller handed in (an HttpException: it has `getStatus`) is the
 * rule working, not the database failing, so it is not reported.
 *
 * The view inherits from the repository (so it is still an instance of its
 * class) and calls each method on the repository itself; only the methods of
 * the repository's classes are wrapped, once, here.
 */
export function countFailures<T extends object>(repository: T, onFailure: () => void): T {
  const view = Object.create(repository) as T;
  const report = (error: unknown): never => {
    if (!isRefusal(error)) onFailure();
    throw error;
  };
  for (const name of methodNames(repository)) {
    const method = (repository as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
    Object.defineProperty(view, name, {
      value: (...args: unknown[]): unknown => {
        let result: unknown;
        try {
          result = method.apply(repository, args);
        } catch (error) {
          report(error);
        }
        return result instanceof Promise ? result.catch(report) : result;
      },
    });
  }
  return view;
}

function isRefusal(error: unknown): boolean {
  return typeof (error as { getStatus?: unknown } | null)?.getStatus === 'function';
}

/** Every method of the object's classes, below Object. */
function methodNames(object: object): string[] {
  const names = new Set<string>();
  for (let proto = Object.getPrototypeOf(object) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, name)?.value === 'function') names.add(name);
    }
  }
  return [...names];
}
