/**
 * Collects per-test outcomes as a parser finds them. One test can be seen more than once (a pytest test
 * that passed and then errored in teardown, two cargo test binaries with the same test name, a go
 * subtest's parent): a failure anywhere wins over a pass, and a pass over a skip, so a test is never
 * reported as passing when any part of it did not.
 */
export interface Outcomes {
  passed: string[];
  failed: string[];
  skipped: string[];
  errors: string[];
}

const RANK = { skip: 0, pass: 1, fail: 2 } as const;
type Status = keyof typeof RANK;

export class Tally {
  private readonly status = new Map<string, Status>();
  private readonly errorIds = new Set<string>();

  pass(id: string): void {
    this.set(id, "pass");
  }

  fail(id: string): void {
    this.set(id, "fail");
  }

  skip(id: string): void {
    this.set(id, "skip");
  }

  /** Something that could not be loaded or collected (a file, a package), by its id. */
  error(id: string): void {
    if (id !== "") this.errorIds.add(id);
  }

  merge(other: Outcomes): void {
    for (const id of other.skipped) this.skip(id);
    for (const id of other.passed) this.pass(id);
    for (const id of other.failed) this.fail(id);
    for (const id of other.errors) this.error(id);
  }

  get size(): number {
    return this.status.size + this.errorIds.size;
  }

  result(): Outcomes {
    const of = (s: Status) =>
      [...this.status]
        .filter(([, v]) => v === s)
        .map(([k]) => k)
        .sort();
    return { passed: of("pass"), failed: of("fail"), skipped: of("skip"), errors: [...this.errorIds].sort() };
  }

  private set(id: string, s: Status): void {
    if (id === "") return;
    const was = this.status.get(id);
    if (was === undefined || RANK[s] > RANK[was]) this.status.set(id, s);
  }
}

/** Makes an absolute path the runner printed relative to the worktree, so ids do not depend on where it is. */
export function relativeTo(root: string | undefined, path: string): string {
  let p = path.startsWith("file://") ? decodeURIComponent(path.slice("file://".length)) : path;
  if (root && (p === root || p.startsWith(`${root}/`))) p = p.slice(root.length + 1);
  return p;
}
