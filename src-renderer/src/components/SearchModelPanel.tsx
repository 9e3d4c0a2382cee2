// "Train search model": an obfuscated-tier model trained on this vault's labelled images,
// under the vault's own key, stored in the vault. Shown on the Model screen and, when no
// model of the vault's domain exists, on the Search screen — the way out of "not
// available" that never falls back to a model from another domain.
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { IpcResponse } from '../../../src-shared/contract/ipc.ts';
import { api, errorMessage, newJobId } from '../api.ts';
import { JobStatus } from './ProgressBar.tsx';
import { useAppState } from '../state.tsx';

const percent = (x: number) => `${(100 * x).toFixed(1)} %`;

export function SearchModelPanel() {
  const { refreshInfo } = useAppState();
  const [epochs, setEpochs] = useState(20);
  const [valFraction, setValFraction] = useState(0.2);
  const [jobId, setJobId] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [report, setReport] = useState<IpcResponse<'search:train-model'> | null>(null);

  const train = async (event: FormEvent) => {
    event.preventDefault();
    const id = newJobId();
    setProblem(null);
    setReport(null);
    setJobId(id);
    setRunning(true);
    try {
      setReport(await api.searchTrainModel({ jobId: id, epochs, validationFraction: valFraction }));
      await refreshInfo();
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setRunning(false);
    }
  };

  return (
    <div data-testid="search-model-panel">
      <form
        className="card toolbar"
        onSubmit={(e) => void train(e)}
        aria-label="Train a search model"
      >
        <label>
          Epochs
          <input
            type="number"
            min={1}
            max={200}
            value={epochs}
            onChange={(e) => setEpochs(Number(e.target.value))}
          />
        </label>
        <label>
          Validation share
          <input
            type="number"
            min={0}
            max={0.5}
            step={0.05}
            value={valFraction}
            onChange={(e) => setValFraction(Number(e.target.value))}
          />
        </label>
        <button type="submit" className="primary" disabled={running}>
          Train search model
        </button>
      </form>
      <p className="muted small">
        Trains the obfuscated tier’s net on this vault’s labelled images, obfuscated under this
        vault’s own key (made on first use and kept wrapped in the vault). The model is stored in
        the vault, encrypted, and holds no key.
      </p>
      <JobStatus jobId={jobId} label="Training the search model" problem={problem} />
      {report && (
        <p role="status" data-testid="search-model-report">
          Search model <code>{report.modelId}</code> trained on {report.images.train} images (
          {report.images.validation} held out
          {report.validation
            ? `: accuracy ${percent(report.validation.accuracy)}, mAP ${report.validation.mAP.toFixed(3)}`
            : ''}
          ) in {report.seconds.toFixed(1)} s and stored in the vault.
        </p>
      )}
    </div>
  );
}
