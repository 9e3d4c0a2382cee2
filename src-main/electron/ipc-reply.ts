// The envelope every IPC reply travels in, shared by the main side (ipc-router.ts) and
// the preload (bridge-transport.ts). Depends on zod and the contract only, so the
// sandboxed preload bundle pulls in nothing of Node.
import { z } from 'zod';
import { IpcErrorSchema } from '../../src-shared/contract/ipc.ts';

export const IpcReplySchema = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), value: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: IpcErrorSchema }),
]);
export type IpcReply = z.infer<typeof IpcReplySchema>;
