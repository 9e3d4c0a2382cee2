// The renderer's only door to the engine: window.api (SealSightApi from the typed
// contract). Electron's preload provides it; in the browser preview it is built here
// over fetch (one POST per call) and Server-Sent Events (progress), same origin only.
import { buildSealSightApi } from '../../src-shared/contract/ipc.ts';
import type { ProgressEvent, SealSightApi } from '../../src-shared/contract/ipc.ts';

declare global {
  interface Window {
    api?: SealSightApi;
  }
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

function createPreviewApi(): SealSightApi {
  const listeners = new Set<(event: ProgressEvent) => void>();
  let source: EventSource | null = null;
  return buildSealSightApi({
    invoke: async (channel, request) => {
      const response = await fetch(`/api/${channel}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(request),
        credentials: 'same-origin',
      });
      if (response.status === 403)
        throw new ApiError('forbidden', 'session expired: open the URL printed by npm run preview');
      const body = (await response.json()) as
        { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };
      if (!body.ok) throw new ApiError(body.error.code, body.error.message);
      return body.result;
    },
    subscribe: (listener) => {
      listeners.add(listener);
      if (!source) {
        source = new EventSource('/api/events');
        source.addEventListener('progress', (event) => {
          const data = JSON.parse((event as MessageEvent<string>).data) as ProgressEvent;
          for (const l of listeners) l(data);
        });
      }
      return () => listeners.delete(listener);
    },
  });
}

export const api: SealSightApi = window.api ?? createPreviewApi();

/** A readable message from an API failure (Electron prefixes remote errors). */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Error invoking remote method '[^']+': (\w*Error: )?/, '');
}

export function newJobId(): string {
  return crypto.randomUUID();
}
