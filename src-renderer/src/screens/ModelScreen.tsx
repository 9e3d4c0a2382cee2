import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { Evaluation, IpcResponse, ModelInfo } from '../../../src-shared/contract/ipc.ts';
import { api, errorMessage, newJobId } from '../api.ts';
import { ClassifyPanel } from '../components/ClassifyPanel.tsx';
import { EvaluationView } from '../components/Evaluation.tsx';
import { EvaluationPlacePanel } from '../components/EvaluationPlacePanel.tsx';
import { JobProgress } from '../components/ProgressBar.tsx';
import { SearchModelPanel } from '../components/SearchModelPanel.tsx';
import { TierLabel } from '../components/TierLabel.tsx';
import { useAppState } from '../state.tsx';
import { MAX_ENSEMBLE_MEMBERS } from '../../../src-shared/domain/ensemble.ts';

type Point = { epoch: number; loss: number; validationAccuracy: number | null };

export function ModelScreen() {
  const { progress } = useAppState();
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [epochs, setEpochs] = useState(20);
  const [valFraction, setValFraction] = useState(0.2);
  const [members, setMembers] = useState(1);
  const [jobId, setJobId] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [points, setPoints] = useState<Point[]>([]);
  const [trained, setTrained] = useState<IpcResponse<'model:train'> | null>(null);
  const [evaluation, setEvaluation] = useState<Evaluation | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const loadModels = async () => {
    try {
      const list = (await api.modelList({})).models;
      setModels(list);
      setSelected((s) => s ?? list[0]?.id ?? null);
    } catch (e) {
      setProblem(errorMessage(e));
    }
  };
  useEffect(() => {
    void loadModels();
  }, []);

  useEffect(() => {
    if (!jobId) return;
    return api.onProgress((event) => {
      if (event.jobId !== jobId || !event.metrics || event.metrics.epoch === undefined) return;
      const m = event.metrics;
      setPoints((old) => [
        ...old,
        { epoch: m.epoch!, loss: m.loss!, validationAccuracy: m.validationAccuracy ?? null },
      ]);
    });
  }, [jobId]);

  const train = async (event: FormEvent) => {
    event.preventDefault();
    const id = newJobId();
    setPoints([]);
    setTrained(null);
    setProblem(null);
    setJobId(id);
    setRunning(true);
    try {
      const report = await api.modelTrain({
        jobId: id,
        epochs,
        validationFraction: valFraction,
        members,
      });
      setTrained(report);
      await loadModels();
      setSelected(report.modelId);
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setRunning(false);
    }
  };

  const evaluate = async () => {
    setProblem(null);
    try {
      setEvaluation(await api.modelEvaluate({ modelId: selected }));
    } catch (e) {
      setProblem(errorMessage(e));
    }
  };

  return (
    <section>
      <TierLabel tier="sealed" />
      <h2>Models</h2>
      <fieldset className="card">
        <legend>Model used for classification and evaluation</legend>
        {models.map((m) => (
          <label key={m.id} className="check">
            <input
              type="radio"
              name="model"
              checked={selected === m.id}
              onChange={() => {
                setSelected(m.id);
                setEvaluation(null);
              }}
            />{' '}
            {m.name} <code className="small">{m.id}</code>
            {m.members > 1 && <span className="muted small"> · ensemble of {m.members} nets</span>}
            {m.validationAccuracy !== null && (
              <span className="muted small">
                {' '}
                · {(m.validationAccuracy * 100).toFixed(1)} % at training (plaintext validation)
              </span>
            )}
          </label>
        ))}
        <EvaluationPlacePanel />
        <div className="toolbar">
          <ClassifyPanel modelId={selected} />
          <button type="button" onClick={() => void evaluate()}>
            Evaluate on this vault
          </button>
        </div>
      </fieldset>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {evaluation && <EvaluationView evaluation={evaluation} />}

      <h2>Train on this vault’s labelled images</h2>
      <form className="card toolbar" onSubmit={(e) => void train(e)} aria-label="Train a model">
        <label>
          Epochs
          <input
            type="number"
            min={1}
            max={500}
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
        <label title="Nets trained with successive seeds; the image score is their sum. Each adds one training run and one encrypted pass per classification.">
          Ensemble members
          <input
            type="number"
            min={1}
            max={MAX_ENSEMBLE_MEMBERS}
            value={members}
            onChange={(e) => setMembers(Number(e.target.value))}
          />
        </label>
        <button type="submit" className="primary" disabled={running}>
          Train
        </button>
      </form>
      <p className="muted small">
        Training decrypts the labelled originals into memory for a worker thread; the model is
        stored in the vault, encrypted. A handful of images trains quickly but will not generalise.
      </p>
      {jobId && (
        <JobProgress
          event={progress.get(jobId)}
          label="Training"
          onCancel={() => void api.cancel(jobId)}
        />
      )}
      {(points.length > 0 || trained) && (
        <div className="card" data-testid="training-chart">
          <LineChart
            width={640}
            height={260}
            data={trained ? trained.history : points}
            accessibilityLayer
          >
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="epoch"
              fontSize={11}
              label={{ value: 'epoch', position: 'insideBottomRight', offset: -4 }}
            />
            <YAxis yAxisId="loss" fontSize={11} />
            <YAxis yAxisId="acc" orientation="right" domain={[0, 1]} fontSize={11} />
            <Tooltip />
            <Legend />
            <Line
              yAxisId="loss"
              dataKey="loss"
              stroke="#5b7db1"
              dot={false}
              isAnimationActive={false}
            />
            <Line
              yAxisId="acc"
              dataKey="validationAccuracy"
              name="validation accuracy"
              stroke="#c9a96e"
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        </div>
      )}
      {trained && (
        <div data-testid="train-report">
          <p role="status">
            Model <code>{trained.modelId}</code> trained on {trained.images.train} images (
            {trained.images.validation} held out) in {trained.seconds.toFixed(1)} s and stored in
            the vault.
          </p>
          {trained.validation && <EvaluationView evaluation={trained.validation} />}
        </div>
      )}
      <h2>Search model (obfuscated tier)</h2>
      <TierLabel tier="obfuscated" />
      <SearchModelPanel />
    </section>
  );
}
