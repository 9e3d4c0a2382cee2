import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { IpcResponse } from '../../../src-shared/contract/ipc.ts';
import { api, errorMessage } from '../api.ts';
import { TierLabel } from '../components/TierLabel.tsx';
import { useAppState } from '../state.tsx';

export function SecurityScreen() {
  const [report, setReport] = useState<IpcResponse<'security:report'> | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const { status } = useAppState();
  const dir = status?.state === 'unlocked' ? status.dir : null;
  useEffect(() => {
    setReport(null);
    api.securityReport({}).then(setReport, (e: unknown) => setProblem(errorMessage(e)));
  }, [dir]);
  return (
    <section>
      <TierLabel tier="sealed" />
      <TierLabel tier="obfuscated" />
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {!report && !problem && <p className="muted">Measuring…</p>}
      {report && !report.available && (
        <p className="notice" role="status" data-testid="security-unavailable">
          {report.reason}
        </p>
      )}
      {report?.available && (
        <div data-testid="security-report">
          <p>{report.reason}</p>
          <table className="figures">
            <thead>
              <tr>
                <th scope="col">measure</th>
                <th scope="col">value</th>
                <th scope="col">what it means</th>
              </tr>
            </thead>
            <tbody>
              {report.figures.map((f) => (
                <tr key={f.name}>
                  <th scope="row">{f.name}</th>
                  <td>{Number.isInteger(f.value) ? f.value : f.value.toFixed(4)}</td>
                  <td>{f.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {report.histograms.map((h) => (
            <figure key={h.name} className="card">
              <figcaption>{h.name}</figcaption>
              <BarChart width={560} height={200} data={h.bins} accessibilityLayer>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="x" fontSize={10} />
                <YAxis fontSize={10} />
                <Tooltip />
                <Bar dataKey="y" fill="#5b7db1" isAnimationActive={false} />
              </BarChart>
            </figure>
          ))}
        </div>
      )}
    </section>
  );
}
