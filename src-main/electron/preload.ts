// The preload of the main window (sandboxed; bundled into one CommonJS file by
// build/bundle.ts because a sandboxed preload can only require('electron')). It exposes
// exactly the contract as window.api — one method per IPC_CHANNELS entry, onProgress and
// cancel, built by the contract's own buildSealSightApi — and nothing else: no
// ipcRenderer, no event objects, no Node.
import './zod-jitless.ts'; // must stay the first import: see the file
import { contextBridge, ipcRenderer } from 'electron';
import { buildSealSightApi } from '../../src-shared/contract/ipc.ts';
import { createIpcTransport } from './bridge-transport.ts';

contextBridge.exposeInMainWorld('api', buildSealSightApi(createIpcTransport(ipcRenderer)));
