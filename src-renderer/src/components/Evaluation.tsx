import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import type { Evaluation } from '../../../src-shared/contract/ipc.ts';

/** Confusion matrix (rows = true class) as a table, and per-class precision/recall/F1 bars. */
export function EvaluationView({ evaluation }: { evaluation: Evaluation }) {
  const max = Math.max(1, ...evaluation.confusion.flat());
  return (
    <div className="evaluation" data-testid="evaluation">
      <p>
        <strong>{(evaluation.accuracy * 100).toFixed(1)} %</strong> accuracy, macro F1{' '}
        {evaluation.macroF1.toFixed(3)} on {evaluation.n} images — {evaluation.source}.
      </p>
      <div className="eval-row">
        <table
          className="confusion"
          aria-label="Confusion matrix: rows are the true class, columns the predicted class"
        >
          <thead>
            <tr>
              <th scope="col">true \ predicted</th>
              {evaluation.classes.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {evaluation.confusion.map((row, t) => (
              <tr key={evaluation.classes[t]}>
                <th scope="row">{evaluation.classes[t]}</th>
                {row.map((count, p) => (
                  <td
                    key={p}
                    className={t === p ? 'diag' : count > 0 ? 'off' : ''}
                    style={{ ['--heat' as string]: (count / max).toFixed(3) }}
                  >
                    {count}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <BarChart
          width={520}
          height={260}
          data={evaluation.perClass.map((c) => ({ ...c, name: c.name.replace('_', ' ') }))}
          accessibilityLayer
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="name" fontSize={11} interval={0} />
          <YAxis domain={[0, 1]} fontSize={11} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} />
          <Legend />
          <Bar dataKey="precision" fill="#5b7db1" isAnimationActive={false} />
          <Bar dataKey="recall" fill="#8fb8a8" isAnimationActive={false} />
          <Bar dataKey="f1" fill="#c9a96e" isAnimationActive={false} />
        </BarChart>
      </div>
    </div>
  );
}
