import type { ProgressEvent } from '../../../src-shared/contract/ipc.ts';
import { api } from '../api.ts';
import { useAppState } from '../state.tsx';

export function formatEta(seconds: number | null): string {
  if (seconds === null) return 'estimating…';
  if (seconds < 1) return 'under a second';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const whole = Math.round(seconds); // rounded once, so 119.6 s is 2 min 0 s, not 1 min 60 s
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/** A labelled progress bar for one job, with ETA and an optional Cancel button. */
export function JobProgress({
  event,
  label,
  onCancel,
}: {
  event: ProgressEvent | undefined;
  label: string;
  onCancel?: () => void;
}) {
  const done = event?.done ?? 0;
  const total = event?.total ?? 0;
  const running = !event || event.phase === 'running';
  return (
    <div className="job" aria-live="polite">
      <div className="job-head">
        <span>{label}</span>
        <span className="muted" data-testid="job-counts">
          {total > 0 ? `${done} / ${total}` : ''}{' '}
          {running && total > 0 ? `· ETA ${formatEta(event?.etaSeconds ?? null)}` : ''}
        </span>
      </div>
      <progress max={Math.max(total, 1)} value={total > 0 ? done : undefined} aria-label={label} />
      <div className="job-foot">
        <span className="muted small" data-testid="job-message">
          {event
            ? `${event.phase === 'running' ? '' : `${event.phase}: `}${event.message}`
            : 'starting…'}
        </span>
        {running && onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </div>
  );
}

/** A running job's progress (with Cancel) and the error that ended it, if any. */
export function JobStatus({
  jobId,
  label,
  problem,
}: {
  jobId: string | null;
  label: string;
  problem: string | null;
}) {
  const { progress } = useAppState();
  return (
    <>
      {jobId && (
        <JobProgress
          event={progress.get(jobId)}
          label={label}
          onCancel={() => void api.cancel(jobId)}
        />
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}
