import { useState } from 'react';
import type { FormEvent } from 'react';
import type { IpcResponse } from '../../../src-shared/contract/ipc.ts';
import {
  DEFAULT_FEATURE_THRESHOLD,
  DEFAULT_MIN_FEATURE_CHUNKS,
} from '../../../src-shared/domain/geometry.ts';
import { api, errorMessage, newJobId } from '../api.ts';
import { JobStatus } from '../components/ProgressBar.tsx';
import { useAppState } from '../state.tsx';
import { FolderField } from '../components/FolderField.tsx';

export function ImportScreen({ onDone }: { onDone(): void }) {
  const { refreshItems, refreshStatus } = useAppState();
  const [folder, setFolder] = useState('');
  const [labels, setLabels] = useState(true);
  const [threshold, setThreshold] = useState(DEFAULT_FEATURE_THRESHOLD);
  const [minChunks, setMinChunks] = useState(DEFAULT_MIN_FEATURE_CHUNKS);
  const [jobId, setJobId] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [report, setReport] = useState<IpcResponse<'import:run'> | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const start = async (event: FormEvent) => {
    event.preventDefault();
    const id = newJobId();
    setJobId(id);
    setRunning(true);
    setReport(null);
    setProblem(null);
    try {
      setReport(
        await api.importRun({
          jobId: id,
          folder,
          labelsFromFolders: labels,
          threshold,
          minFeatureChunks: minChunks,
        }),
      );
      await Promise.all([refreshItems(), refreshStatus()]);
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setRunning(false);
    }
  };

  return (
    <section>
      <p className="muted">
        Images are sealed as they are imported: feature chunks (gradient score above the threshold,
        and at least the image&apos;s strongest few) are CKKS-encrypted, everything else
        AES-256-GCM-encrypted. The originals stay where they are.
      </p>
      <form className="card narrow" onSubmit={(e) => void start(e)} aria-label="Import a folder">
        <FolderField
          label="Folder to import (path on this computer)"
          name="folder"
          value={folder}
          onChange={setFolder}
          purpose="import"
          placeholder="/home/you/inspections"
        />
        <label className="check">
          <input type="checkbox" checked={labels} onChange={(e) => setLabels(e.target.checked)} />{' '}
          Labels from sub-folder names (e.g. crazing/…)
        </label>
        <label>
          Feature-chunk threshold (mean Sobel score)
          <input
            name="threshold"
            type="number"
            min={0}
            max={1000}
            step={5}
            value={threshold}
            onChange={(e) => setThreshold(Number(e.target.value))}
          />
        </label>
        <label>
          At least this many feature chunks per image (its strongest are added)
          <input
            name="minFeatureChunks"
            type="number"
            min={0}
            max={16}
            step={1}
            value={minChunks}
            onChange={(e) => setMinChunks(Number(e.target.value))}
          />
        </label>
        <button type="submit" className="primary" disabled={running}>
          Import
        </button>
      </form>
      <JobStatus jobId={jobId} label="Importing" problem={problem} />
      {report && (
        <section aria-labelledby="import-report" className="card" data-testid="import-report">
          <h2 id="import-report">{report.cancelled ? 'Import cancelled' : 'Import finished'}</h2>
          <p>
            <strong>{report.imported}</strong> imported, {report.duplicates} duplicates,{' '}
            {report.failed.length} could not be read, {report.skippedNonImages} other files skipped
            ({report.imagesPerSecond.toFixed(1)} images/s).
            {report.lowGradient > 0 &&
              ` ${report.lowGradient} had no chunk above the threshold (their strongest chunks were used).`}
          </p>
          {report.failed.length > 0 && (
            <>
              <h3>Files that could not be read</h3>
              <ul className="failures">
                {report.failed.map((f) => (
                  <li key={f.file}>
                    <code>{f.file}</code> — {f.reason}
                  </li>
                ))}
              </ul>
            </>
          )}
          <button type="button" onClick={onDone}>
            Open the gallery
          </button>
        </section>
      )}
    </section>
  );
}
