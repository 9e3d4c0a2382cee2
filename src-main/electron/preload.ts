// The preload of the main window (sandboxed; bundled into one CommonJS file by
// build/bundle.ts because a sandboxed preload can only require('electron')). It exposes
// exactly the contract as window.api — one method per IPC_CHANNELS entry, onProgress and
// cancel, built by the contract's own buildSealSightApi — and nothing else: no
// ipcRenderer, no event objects, no Node.
import { contextBridge, ipcRenderer } from 'electron';
import { z } from 'zod';
import { buildSealSightApi } from '../../src-shared/contract/ipc.ts';
import { createIpcTransport } from './bridge-transport.ts';

// zod would otherwise probe `new Function` for its fast path; the CSP forbids eval and the
// probe would only log a violation. Validation works the same without it.
z.config({ jitless: true });

contextBridge.exposeInMainWorld('api', buildSealSightApi(createIpcTransport(ipcRenderer)));
