// Preload (node --import) under which koffi's native module fails to load:
// process.dlopen, which require() uses for .node files, throws for koffi.node,
// as dlopen does where the prebuild needs a newer Android (API 28) than the
// device has. koffi's own loader and droidcheck's fallback run unchanged.

type Dlopen = (module: object, filename: string, ...rest: unknown[]) => void;
const real = process.dlopen as unknown as Dlopen;
(process as unknown as { dlopen: Dlopen }).dlopen = function dlopen(module, filename, ...rest) {
  if (/koffi[^/]*\.node$/.test(String(filename))) throw new Error(`dlopen failed: ${filename}: simulated by test/helpers/preload-no-koffi.ts`);
  return real.call(process, module, filename, ...rest);
};
