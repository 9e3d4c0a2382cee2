// Imported FIRST by the preload. zod decides per schema, when the schema is created,
// whether to compile a fast path with `new Function`; the page's CSP has no
// 'unsafe-eval', so that would throw (EvalError) inside the bridge. Switching zod to
// jitless before the contract's schemas are created keeps every parse eval-free.
import { z } from 'zod';

z.config({ jitless: true });
