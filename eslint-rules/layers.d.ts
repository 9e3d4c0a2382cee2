// Types for layers.js (plain JS, as eslint.config.js loads it), for the tests that read
// the declared graph.
export declare const LAYERS: Readonly<Record<string, readonly string[]>>;
export declare const INDEXED_MODULES: Readonly<Record<string, readonly string[]>>;
export declare function layerOf(repoPath: string): string | null;
export declare function mayImport(from: string, to: string): boolean;
declare const plugin: { readonly rules: Readonly<Record<string, unknown>> };
export default plugin;
