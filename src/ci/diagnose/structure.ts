/**
 * The shape of a job log, found before any keyword is matched: its steps (GitHub step headers, `gh run
 * view --log` step columns, Travis folds, GitLab sections, Jenkins stages), and which of them failed,
 * from the CI's own exit-code lines (`Process completed with exit code 1.`, `The command "npm test"
 * exited with 1.`).
 *
 * Why: the decisive line of a failure is in the step that failed, just above its exit-code line. A
 * retried download in the install step, or a cleanup step's noise after the failure, is not the cause.
 * All state here is bounded: a step is a number and a name, and only failed steps' names are kept.
 */
import type { Marker, NormalLine } from "./normalize.js";

/** The CI's report that a step's command failed, with the exit code when it says one. */
const EXIT_LINES: readonly RegExp[] = [
  /^(?:Error: )?Process completed with exit code (?<code>\d+)\.?$/,
  /^The command ".*" (?:exited with|failed and exited with) (?<code>\d+)(?: during .*)?\.$/,
  /^ERROR: Job failed: (?:exit code (?<code>\d+)|.*)$/,
  /^(?:ERROR: )?script returned exit code (?<code>\d+)$/,
  /^Finished: FAILURE$/,
  /^Error: The process '.*' failed with exit code (?<code>\d+)$/,
];

/** A GitHub step header: `Run <command or action>`, or the post-job steps. */
const GH_STEP = /^(?:Run |Post |Pre )\S|^Post job cleanup\.?$/;

export interface ExitEvent {
  line: number;
  step: number;
  code?: number;
  text: string;
}

/** At most this many failed steps are remembered (their names and exit lines). */
const MAX_FAILED = 16;

export class Structure {
  /** The index of the step now being read (0 before any step header). */
  step = 0;
  stepName: string | undefined;
  /** Names of failed steps by index. */
  readonly failed = new Map<number, string | undefined>();
  readonly exits: ExitEvent[] = [];
  private cliStep: string | undefined;

  /**
   * Reads one normalised line; says whether it was the CI's exit line (then it is not the tool's
   * evidence) and whether a new step began with it.
   */
  observe(n: number, line: NormalLine): { exit?: ExitEvent; newStep: boolean } {
    let newStep = false;
    if (line.step !== undefined && line.step !== this.cliStep) {
      this.cliStep = line.step;
      this.begin(line.step);
      newStep = true;
    } else if (line.marker && this.startsStep(line.marker, line.step !== undefined)) {
      this.begin((line.marker as { name: string }).name);
      newStep = true;
    } else if (line.step === undefined && /^Post job cleanup\.?$/.test(line.text)) {
      this.begin("Post job cleanup");
      newStep = true;
    }
    const text = line.text;
    if (text.length > 160 || !/exit|Job failed|FAILURE|process/i.test(text)) return { newStep };
    for (const re of EXIT_LINES) {
      const m = re.exec(text);
      if (!m) continue;
      const code = m.groups?.["code"] === undefined ? undefined : Number(m.groups["code"]);
      if (code === 0) return { newStep };
      const exit: ExitEvent = { line: n, step: this.step, text, ...(code === undefined ? {} : { code }) };
      if (this.failed.size < MAX_FAILED || this.failed.has(this.step)) {
        this.failed.set(this.step, this.stepName);
        if (this.exits.length < MAX_FAILED) this.exits.push(exit);
      }
      return { exit, newStep };
    }
    return { newStep };
  }

  private startsStep(marker: Marker, cli: boolean): boolean {
    if (marker.kind !== "step" || cli) return false;
    // A GitHub group that is not a step header is a tool's own section inside the step: same step.
    return !/^(?:Run|Post|Pre) /.test(marker.name) ? !this.githubShaped : GH_STEP.test(marker.name);
  }

  /** Once a `Run …` group has been seen, only step headers start steps (tools print groups too). */
  private githubShaped = false;

  private begin(name: string): void {
    if (/^(?:Run|Post|Pre) /.test(name)) this.githubShaped = true;
    this.step += 1;
    this.stepName = name;
  }
}
