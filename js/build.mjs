// Bundles the widget (three.js included: nothing is fetched from a CDN at run time) into
// the Python package's static/ folder, minified, as one ES module plus one stylesheet.
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
await copyFile("src/widget.css", `${outdir}widget.css`);
if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
