import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { modelIdOf } from './model-id.ts';
import { parseModelJson, readModelText } from './model-json.ts';

const Schema = z.object({ version: z.literal(1), classes: z.array(z.string()).min(2) });
const FORMAT = { description: 'toy model file', version: 1 };

describe('parseModelJson', () => {
  it('returns the validated document and its id, the same however the file is laid out', () => {
    const text = '{"version":1,"classes":["a","b"]}';
    expect(parseModelJson(text, 'm.json', Schema, FORMAT)).toEqual({
      file: { version: 1, classes: ['a', 'b'] },
      id: modelIdOf(JSON.parse(text)),
    });
    const relaid = '{\n  "classes": [ "a", "b" ],\n  "version": 1.0\n}\n';
    expect(parseModelJson(relaid, 'm.json', Schema, FORMAT).id).toBe(modelIdOf(JSON.parse(text)));
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
