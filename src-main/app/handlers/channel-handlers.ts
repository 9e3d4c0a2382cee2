// The app service's handler table: every feature's handlers (one file each, beside this
// one) joined into one table with a handler for every channel of the contract — a
// channel no feature handles fails the typecheck here.
import { appHandlers } from './app.ts';
import { classifyHandlers } from './classify.ts';
import type { AppContext, ChannelHandlers } from './handler-types.ts';
import { imageHandlers } from './images.ts';
import { jobHandlers } from './jobs.ts';
import { modelHandlers } from './models.ts';
import { reviewHandlers } from './review.ts';
import { searchHandlers } from './search.ts';
import { securityHandlers } from './security.ts';
import { vaultHandlers } from './vault.ts';

export type { AppContext, ChannelHandlers } from './handler-types.ts';

export function createChannelHandlers(app: AppContext): ChannelHandlers {
  return {
    ...appHandlers(app),
    ...vaultHandlers(app),
    ...imageHandlers(app),
    ...classifyHandlers(app),
    ...reviewHandlers(app),
    ...modelHandlers(app),
    ...searchHandlers(app),
    ...securityHandlers(app),
    ...jobHandlers(app),
  };
}
