// Classify under encryption: runs the job (on this computer or on the vault's evaluation
// farm, as the vault's setting says), shows its progress — with the evaluator nodes at
// work when on a farm — and the report, which says where it ran.
import { useState } from 'react';
import type { IpcResponse } from '../../../src-shared/contract/ipc.ts';
import { api, errorMessage, newJobId } from '../api.ts';
import { useAppState } from '../state.tsx';
import { JobStatus } from './ProgressBar.tsx';

/** Encrypted classification of the images a model has not seen yet. */
export function ClassifyPanel({ modelId }: { modelId: string | null }) {
  const { refreshItems, progress } = useAppState();
  const [jobId, setJobId] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [report, setReport] = useState<IpcResponse<'classify:run'> | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const nodes = jobId ? progress.get(jobId)?.metrics?.nodes : undefined;

  const run = async () => {
    const id = newJobId();
    setJobId(id);
    setRunning(true);
    setProblem(null);
    setReport(null);
    try {
      setReport(await api.classifyRun({ jobId: id, modelId }));
      await refreshItems();
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setRunning(false);
    }
  };

  return (
    <div className="classify">
      <button type="button" className="primary" onClick={() => void run()} disabled={running}>
        Classify under encryption
      </button>
      <JobStatus jobId={jobId} label="Classifying (CKKS)" problem={problem} />
      {running && nodes !== undefined && (
        <p className="muted small" data-testid="evaluator-nodes">
          {nodes} evaluator node{nodes === 1 ? '' : 's'} at work
        </p>
      )}
      {report && (
        <p data-testid="classify-report" role="status">
          {report.cancelled ? 'Cancelled: ' : ''}
          {report.classified} classified under encryption on {report.evaluatedOn} in{' '}
          {report.seconds.toFixed(1)} s, {report.skipped} already done
          {report.failed.length > 0 ? `, ${report.failed.length} failed` : ''}.
        </p>
      )}
      {report && report.failed.length > 0 && (
        <ul className="failures">
          {report.failed.map((f) => (
            <li key={f.id}>
              <code>{f.name}</code> — {f.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
