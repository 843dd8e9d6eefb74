// node-react: a React component rendered to HTML on the server (no JSX build step needed).
import React from "react";
import ReactDOMServer from "react-dom/server";

const h = React.createElement;

function Runtime({ name, packages }) {
  return h("section", { className: "runtime" },
    h("h2", null, name),
    h("ul", null, packages.map((p) => h("li", { key: p }, p))));
}

function Page({ runtimes }) {
  return h("main", null,
    h("h1", null, `${runtimes.length} runtimes`),
    runtimes.map((r) => h(Runtime, { key: r.name, ...r })));
}

const html = ReactDOMServer.renderToStaticMarkup(h(Page, {
  runtimes: [
    { name: "node-react", packages: ["react", "react-dom", "typescript", "vite"] },
    { name: "python-web", packages: ["fastapi", "uvicorn"] },
  ],
}));
console.log(html.replaceAll("><", ">\n<"));
console.log(`React ${React.version}`);
