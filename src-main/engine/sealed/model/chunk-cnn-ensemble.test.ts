import { describe, expect, it } from 'vitest';
import { forwardChunk, PAPER_ARCHITECTURE, randomChunkCnn } from './chunk-cnn.ts';
import { mulberry32 } from '../../ml/random.ts';
import { ensembleMembers, memberArchitecture, mergeEnsemble } from './chunk-cnn-ensemble.ts';
import { parseModel, serializeModel } from './model-file.ts';

const arch = { ...PAPER_ARCHITECTURE, channels: 3, hidden: 16 };
const members = [randomChunkCnn(arch, 1), randomChunkCnn(arch, 2), randomChunkCnn(arch, 3)];
const random = mulberry32(7);
const chunk = Float64Array.from({ length: 784 }, () => random());

describe('chunk CNN ensemble as one merged net', () => {
  it("scores a chunk as the mean of the members' scores", () => {
    const merged = mergeEnsemble(members);
    expect(merged.architecture).toMatchObject({ channels: 9, hidden: 48, members: 3 });
    const want = new Float64Array(arch.classes);
    for (const m of members) forwardChunk(m, chunk).scores.forEach((v, c) => (want[c]! += v / 3));
    const got = forwardChunk(merged, chunk).scores;
    got.forEach((v, c) => expect(v).toBeCloseTo(want[c]!, 10));
  });

  it('splits back into members whose scores add up to the merged net', () => {
    const merged = mergeEnsemble(members);
    const split = ensembleMembers(merged);
    expect(split).toHaveLength(3);
    expect(split[1]!.architecture).toEqual(arch);
    expect(split[1]!.convWeight).toEqual(members[1]!.convWeight);
    expect(split[2]!.fc1Weight).toEqual(members[2]!.fc1Weight);
    expect(split[2]!.fc2Weight).toEqual(members[2]!.fc2Weight.map((w) => w / 3));
    const total = new Float64Array(arch.classes);
    for (const m of split) forwardChunk(m, chunk).scores.forEach((v, c) => (total[c]! += v));
    forwardChunk(merged, chunk).scores.forEach((v, c) => expect(total[c]).toBeCloseTo(v, 10));
  });

  it('treats a single net as its own only member', () => {
    expect(mergeEnsemble([members[0]!])).toBe(members[0]);
    expect(ensembleMembers(members[0]!)).toEqual([members[0]]);
  });

  it('refuses members of different shapes and a merged net that is not block-diagonal', () => {
    expect(() => mergeEnsemble([members[0]!, randomChunkCnn({ ...arch, hidden: 8 }, 4)])).toThrow(
      /share one architecture/,
    );
    const merged = mergeEnsemble(members);
    const fc1Weight = merged.fc1Weight.slice();
    const row = fc1Weight.length / merged.architecture.hidden; // all members' conv outputs
    fc1Weight[5] = 0.5; // hidden unit 0 (member 0) ← member 0's conv output 5: its own block
    expect(() => ensembleMembers({ ...merged, fc1Weight })).not.toThrow();
    fc1Weight[row - 1] = 0.5; // hidden unit 0 (member 0) ← member 2's last conv output
    expect(() => ensembleMembers({ ...merged, fc1Weight })).toThrow(/not block-diagonal/);
    expect(() => memberArchitecture({ ...arch, members: 2 })).toThrow(/divisible by 2/);
  });

  it('round-trips through the model file, which refuses a corrupted ensemble', () => {
    const merged = mergeEnsemble(members.slice(0, 2));
    const details = {
      classes: ['a', 'b', 'c', 'd', 'e', 'f'],
      threshold: 100,
      minFeatureChunks: 12,
      activationRanges: { conv: 1, fc1: 1, scores: 1 },
    };
    const text = serializeModel(merged, details);
    const model = parseModel(text, 'ens.json');
    expect(model.file.architecture.members).toBe(2);
    expect(model.members).toHaveLength(2);
    expect(model.members[1]!.fc1Weight).toEqual(members[1]!.fc1Weight);
    const file = JSON.parse(text);
    const row = file.weights.fc1Weight.length / 32; // 32 hidden units
    file.weights.fc1Weight[row - 1] = 0.25; // hidden unit 0 (member 0) ← member 1's conv
    expect(() => parseModel(JSON.stringify(file), 'ens.json')).toThrow(
      /ens\.json: not a valid ensemble \(fc1 is not block-diagonal/,
    );
  });
});
