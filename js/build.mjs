// Bundles the widget (three.js included: nothing is fetched from a CDN at run time) into
// the Python package's static/ folder, minified, as one ES module plus one stylesheet; and
// standalone.js, the small entry of the offline HTML export (js/src/standalone.ts), which
// loads that same module from the page and answers its requests without Python.
import * as esbuild from "esbuild";
import { copyFile, mkdir } from "node:fs/promises";

const outdir = new URL("../src/nbprojector/static/", import.meta.url).pathname;
const watch = process.argv.includes("--watch");

await mkdir(outdir, { recursive: true });
const options = {
  entryPoints: ["src/index.ts"],
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: !watch,
  sourcemap: false,
  legalComments: "none",
  outfile: `${outdir}widget.js`,
  logLevel: "info",
};
const standalone = { ...options, entryPoints: ["src/standalone.ts"], outfile: `${outdir}standalone.js` };
await copyFile("src/widget.css", `${outdir}widget.css`);
if (watch) {
  for (const o of [options, standalone]) await (await esbuild.context(o)).watch();
} else {
  await Promise.all([esbuild.build(options), esbuild.build(standalone)]);
}
