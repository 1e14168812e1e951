// Copy the browser builds the page needs from node_modules into web/vendor/,
// so index.html loads only local files. Runs after `npm ci` (postinstall).
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(web, "node_modules");
const vendor = join(web, "vendor");

const copies = [
  ["react/umd/react.production.min.js", "react.production.min.js"],
  ["react-dom/umd/react-dom.production.min.js", "react-dom.production.min.js"],
  ["@chatui/core/dist/index.js", "chatui.js"],
  ["react/LICENSE", "LICENSE.react"],
  ["@chatui/core/LICENSE", "LICENSE.chatui"],
];

rmSync(vendor, { recursive: true, force: true });
mkdirSync(vendor, { recursive: true });
for (const [from, to] of copies) {
  copyFileSync(join(modules, from), join(vendor, to));
}

// ChatUI's stylesheet pulls the AlibabaSans web font from a CDN. Drop those
// @font-face rules (the page uses the system's Chinese fonts) so nothing is
// fetched from the internet, and refuse to continue if any remote URL is left.
let css = readFileSync(join(modules, "@chatui/core/dist/index.css"), "utf8");
const before = css.length;
css = css.replace(/@font-face\s*\{[^}]*url\(\s*["']?(?:https?:)?\/\/[^}]*\}/g, "");
const remote = css.match(/url\(\s*["']?(?:https?:)?\/\/[^)]*\)/g);
if (remote) {
  console.error(`vendor: remote URLs left in ChatUI's CSS: ${remote.join(", ")}`);
  process.exit(1);
}
writeFileSync(join(vendor, "chatui.css"), css);

const version = (pkg) => JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8")).version;
console.log(
  `vendor: react ${version("react")}, react-dom ${version("react-dom")}, ` +
    `@chatui/core ${version("@chatui/core")} -> web/vendor/ (removed ${before - css.length} bytes of remote fonts)`,
);
