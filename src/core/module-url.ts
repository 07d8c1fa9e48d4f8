/**
 * Where a worker's entry module is, for code that runs both as TypeScript sources (a checkout, through tsx)
 * and as the compiled package (dist/, plain Node).
 *
 * tsc rewrites the specifiers of `import` statements (`./x.ts` becomes `./x.js`) but not a string handed to
 * `new URL`, so a worker file is named without its extension and takes the extension of the module that
 * starts it: a `.ts` module starts `.ts` workers, which need tsx's loader; a `.js` module starts `.js`
 * workers, which need nothing.
 */

/** The module `relative` (a path without extension, e.g. "./scale-worker") beside the module `from`. */
export function siblingModule(relative: string, from: string): URL {
  return new URL(relative + (isTypeScriptModule(from) ? ".ts" : ".js"), from);
}

/** Whether a module URL names a TypeScript source file (one that plain Node cannot load). */
export function isTypeScriptModule(url: string | URL): boolean {
  return new URL(url).pathname.endsWith(".ts");
}
