import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseModelJson, readModelText } from './model-json.ts';

const Schema = z.object({ version: z.literal(1), classes: z.array(z.string()).min(2) });
const FORMAT = { description: 'toy model file', version: 1 };

describe('parseModelJson', () => {
  it('returns the validated document', () => {
    expect(parseModelJson('{"version":1,"classes":["a","b"]}', 'm.json', Schema, FORMAT)).toEqual({
      version: 1,
      classes: ['a', 'b'],
    });
  });

  it('names the file and the cause of every refusal', () => {
    expect(() => parseModelJson('{', 'm.json', Schema, FORMAT)).toThrow(
      'm.json: not a model file (invalid JSON)',
    );
    expect(() => parseModelJson('{"version":3}', 'm.json', Schema, FORMAT)).toThrow(
      'm.json: model format v3 is newer than this SealSight understands (v1)',
    );
    expect(() => parseModelJson('{"version":1,"classes":["a"]}', 'm.json', Schema, FORMAT)).toThrow(
      /^m\.json: not a valid toy model file \(classes: /,
    );
  });

  it('says which file cannot be read and why', async () => {
    await expect(readModelText('/nonexistent/model.json')).rejects.toThrow(
      '/nonexistent/model.json: cannot read model (ENOENT)',
    );
  });
});
