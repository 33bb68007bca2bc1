/* Renders the portal's flow graphs with the Mermaid shipped in the site (no CDN). */
document.addEventListener("DOMContentLoaded", function () {
  var graphs = document.querySelectorAll(".specmesh-flow");
  if (!graphs.length || typeof window.mermaid === "undefined") return;
  window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", maxTextSize: 2000000, maxEdges: 20000 });
  window.mermaid.run({ nodes: graphs });
});
