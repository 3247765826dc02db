/**
 * The explicit phases an agent run records (the resolver's gather → … → report, the CI doctor's
 * watch → … → report): each begins when the previous ends, is saved with the run's record as it begins,
 * and is timed into the agent's phase-duration histogram when it ends.
 */
import type { Histogram } from "prom-client";

export interface PhaseRecord<N extends string> {
  name: N;
  startedAt: string;
  durationMs?: number;
  ok?: boolean;
  detail?: string;
}

export interface PhaseRecorder<N extends string> {
  /** Ends the current phase (as ok) and starts `name`, saving the record. */
  begin(name: N): Promise<void>;
  /** Ends the current phase with its outcome; a phase already ended is left as it is. */
  end(ok: boolean, detail?: string): void;
}

export function phaseRecorder<N extends string>(
  phases: PhaseRecord<N>[],
  hooks: {
    save(): Promise<unknown>;
    onPhase?: ((phase: PhaseRecord<N>) => void) | undefined;
    seconds: Histogram<string>;
  },
): PhaseRecorder<N> {
  let phase: PhaseRecord<N> | undefined;
  const end = (ok: boolean, detail?: string) => {
    if (!phase || phase.durationMs !== undefined) return;
    phase.durationMs = Date.now() - Date.parse(phase.startedAt);
    phase.ok = ok;
    if (detail) phase.detail = detail;
    hooks.seconds.labels(phase.name).observe(phase.durationMs / 1000);
  };
  const begin = async (name: N) => {
    end(true);
    phase = { name, startedAt: new Date().toISOString() };
    phases.push(phase);
    hooks.onPhase?.(phase);
    await hooks.save();
  };
  return { begin, end };
}
