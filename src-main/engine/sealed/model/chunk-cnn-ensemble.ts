// An ensemble of M chunk CNNs (same architecture, different seeds) whose scores are
// the mean of the members' scores — written as ONE wider net of the same shape: the
// members' conv channels side by side, fc1 block-diagonal (member m's hidden units see
// only member m's conv outputs), fc2 reading every hidden unit with the members' fc2
// weights and biases divided by M. Its forward pass equals the mean of the members'
// exactly, so the plaintext reference, activation ranges, the lanes engine (scalar
// weights, zeros skipped) and the model file need nothing new; only the blocks layout,
// whose conv must fit one 1024-slot block, runs the members one by one
// (ensembleMembers) and adds their encrypted scores. A mean, not a sum: the same
// argmax, but scores (and the CKKS error, which grows with them) of one net's size.
import type { ChunkCnnArchitecture, ChunkCnnWeights } from './chunk-cnn.ts';
import { flattenedSize } from './chunk-cnn.ts';

export function memberCount(arch: ChunkCnnArchitecture): number {
  return arch.members ?? 1;
}

/** One member's architecture (the merged one has members × channels and hidden units). */
export function memberArchitecture(arch: ChunkCnnArchitecture): ChunkCnnArchitecture {
  const m = memberCount(arch);
  if (!(Number.isInteger(m) && m >= 1)) throw new RangeError(`members must be ≥ 1, got ${m}`);
  if (arch.channels % m !== 0 || arch.hidden % m !== 0)
    throw new RangeError(
      `an ensemble of ${m} needs channels (${arch.channels}) and hidden units (${arch.hidden}) divisible by ${m}`,
    );
  const single: { -readonly [K in keyof ChunkCnnArchitecture]: ChunkCnnArchitecture[K] } = {
    ...arch,
    channels: arch.channels / m,
    hidden: arch.hidden / m,
  };
  delete single.members;
  return single;
}

/** The members as one net whose scores are the mean of theirs. */
export function mergeEnsemble(members: readonly ChunkCnnWeights[]): ChunkCnnWeights {
  const first = members[0];
  if (!first) throw new RangeError('an ensemble needs at least one member');
  const arch = first.architecture;
  if (memberCount(arch) !== 1) throw new RangeError('ensemble members must be single nets');
  for (const member of members) {
    const other = member.architecture;
    if (JSON.stringify(other) !== JSON.stringify(arch))
      throw new RangeError('ensemble members must share one architecture');
  }
  const m = members.length;
  if (m === 1) return first;
  const flat = flattenedSize(arch);
  const { hidden, classes } = arch;
  const fc1Weight = new Float64Array(m * hidden * m * flat);
  const fc2Weight = new Float64Array(classes * m * hidden);
  const fc2Bias = new Float64Array(classes);
  members.forEach((member, index) => {
    for (let h = 0; h < hidden; h++) {
      const row = (index * hidden + h) * m * flat + index * flat;
      fc1Weight.set(member.fc1Weight.subarray(h * flat, (h + 1) * flat), row);
    }
    for (let c = 0; c < classes; c++) {
      fc2Weight.set(
        member.fc2Weight.subarray(c * hidden, (c + 1) * hidden).map((w) => w / m),
        c * m * hidden + index * hidden,
      );
      fc2Bias[c]! += member.fc2Bias[c]! / m;
    }
  });
  const concat = (pick: (w: ChunkCnnWeights) => Float64Array) =>
    Float64Array.from(members.flatMap((w) => Array.from(pick(w))));
  return {
    architecture: { ...arch, channels: m * arch.channels, hidden: m * hidden, members: m },
    convWeight: concat((w) => w.convWeight),
    convBias: concat((w) => w.convBias),
    fc1Weight,
    fc1Bias: concat((w) => w.fc1Bias),
    fc2Weight,
    fc2Bias,
  };
}

/**
 * The members of a merged net (a single net is its own only member), as the engine
 * runs them: fc2 already divided by M and the whole fc2 bias on the first member, so
 * their scores add up to the merged net's (the mean of the original members'). Throws
 * when fc1 is not block-diagonal: the file is then not an ensemble.
 */
export function ensembleMembers(weights: ChunkCnnWeights): ChunkCnnWeights[] {
  const m = memberCount(weights.architecture);
  const arch = memberArchitecture(weights.architecture);
  if (m === 1) return [weights];
  const flat = flattenedSize(arch);
  const taps = arch.kernel * arch.kernel;
  const { hidden, classes } = arch;
  return Array.from({ length: m }, (_, index) => {
    const fc1Weight = new Float64Array(hidden * flat);
    for (let h = 0; h < hidden; h++) {
      const row = (index * hidden + h) * m * flat;
      for (let other = 0; other < m; other++) {
        const block = weights.fc1Weight.subarray(row + other * flat, row + (other + 1) * flat);
        if (other === index) fc1Weight.set(block, h * flat);
        else if (block.some((w) => w !== 0))
          throw new RangeError(
            `fc1 is not block-diagonal: hidden unit ${index * hidden + h} of member ${index} reads member ${other}'s conv outputs`,
          );
      }
    }
    const fc2Weight = new Float64Array(classes * hidden);
    for (let c = 0; c < classes; c++) {
      const from = c * m * hidden + index * hidden;
      fc2Weight.set(weights.fc2Weight.subarray(from, from + hidden), c * hidden);
    }
    return {
      architecture: arch,
      convWeight: weights.convWeight.slice(
        index * arch.channels * taps,
        (index + 1) * arch.channels * taps,
      ),
      convBias: weights.convBias.slice(index * arch.channels, (index + 1) * arch.channels),
      fc1Weight,
      fc1Bias: weights.fc1Bias.slice(index * hidden, (index + 1) * hidden),
      fc2Weight,
      fc2Bias: index === 0 ? weights.fc2Bias.slice() : new Float64Array(classes),
    };
  });
}
