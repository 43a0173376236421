// Bundle entry.js into ../../static/vendor/plotly-partial/plotly-partial.min.js with the
// options of plotly.js's own esbuild-config.js (see README.md here). Run by build.sh.
import { build } from "esbuild";

await build({
  entryPoints: ["entry.js"],
  outfile: "../../static/vendor/plotly-partial/plotly-partial.min.js",
  format: "iife",
  globalName: "Plotly",
  bundle: true,
  minify: true,
  legalComments: "none",
  banner: { js: "/* plotly.js partial bundle (bar, scatter, scattergeo, choropleth); MIT licence, see LICENSE */" },
  alias: { stream: "stream-browserify" },
  define: { global: "window", "define.amd": "false", "process.env.NODE_DEBUG": "false" },
  loader: { ".css": "text" },
  target: "es2016",
  logLevel: "info",
});
