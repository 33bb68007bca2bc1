/* Renders the portal's flow graphs with the Mermaid shipped in the site (no CDN), at a readable
   size, with every node a link to its page, and with pan (drag) and zoom (buttons, Ctrl + wheel). */
(function () {
  var SVG = "http://www.w3.org/2000/svg";

  function linksFor(graph) {
    var next = graph.nextElementSibling;
    while (next && !next.classList.contains("smd-graph-links")) next = next.nextElementSibling;
    if (!next) return {};
    try { return JSON.parse(next.getAttribute("data-links") || "{}"); } catch (e) { return {}; }
  }

  function linkNodes(graph, links) {
    graph.querySelectorAll("g.node").forEach(function (node) {
      var match = /flowchart-(.+)-\d+$/.exec(node.id || "");
      var href = match && links[match[1]];
      if (!href || node.parentNode.nodeName === "a") return;
      var anchor = document.createElementNS(SVG, "a");
      anchor.setAttribute("href", href);
      anchor.setAttribute("class", "smd-node-link");
      node.parentNode.insertBefore(anchor, node);
      anchor.appendChild(node);
    });
  }

  function panAndZoom(graph) {
    var svg = graph.querySelector("svg");
    if (!svg) return;
    var box = svg.viewBox && svg.viewBox.baseVal;
    var width = box && box.width ? box.width : svg.getBoundingClientRect().width;
    var height = box && box.height ? box.height : svg.getBoundingClientRect().height;
    var scale = 1;
    function apply() {
      svg.style.maxWidth = "none";
      svg.setAttribute("width", String(width * scale));
      svg.setAttribute("height", String(height * scale));
    }
    apply();
    var bar = document.createElement("div");
    bar.className = "smd-zoom";
    [["−", 1 / 1.25, "Zoom out"], ["+", 1.25, "Zoom in"], ["1:1", 0, "Actual size"]].forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b[0];
      button.title = b[2];
      button.addEventListener("click", function () { scale = b[1] ? Math.min(4, Math.max(0.2, scale * b[1])) : 1; apply(); });
      bar.appendChild(button);
    });
    graph.parentNode.insertBefore(bar, graph);
    graph.addEventListener("wheel", function (e) {
      if (!e.ctrlKey) return;
      e.preventDefault();
      scale = Math.min(4, Math.max(0.2, scale * (e.deltaY < 0 ? 1.1 : 1 / 1.1)));
      apply();
    }, { passive: false });
    var drag = null;
    graph.addEventListener("mousedown", function (e) {
      if (e.target.closest && e.target.closest("a")) return;
      drag = { x: e.clientX, y: e.clientY, left: graph.scrollLeft, top: graph.scrollTop };
      graph.classList.add("smd-dragging");
    });
    window.addEventListener("mousemove", function (e) {
      if (!drag) return;
      graph.scrollLeft = drag.left - (e.clientX - drag.x);
      graph.scrollTop = drag.top - (e.clientY - drag.y);
    });
    window.addEventListener("mouseup", function () { drag = null; graph.classList.remove("smd-dragging"); });
  }

  /* Raw schemas: coloured when first opened (JSON: keys, strings, numbers, literals; Protobuf:
     keywords, types, strings, numbers, comments). Text only: spans built with textContent. */
  var RULES = {
    json: [["smd-k", /"(?:[^"\\]|\\.)*"(?=\s*:)/y], ["smd-s", /"(?:[^"\\]|\\.)*"/y],
           ["smd-n", /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y], ["smd-l", /\b(?:true|false|null)\b/y]],
    protobuf: [["smd-c", /\/\/[^\n]*|\/\*[\s\S]*?\*\//y], ["smd-s", /"(?:[^"\\]|\\.)*"/y],
               ["smd-l", /\b(?:syntax|package|import|option|message|enum|oneof|map|repeated|optional|required|reserved|service|rpc|returns)\b/y],
               ["smd-k", /\b(?:double|float|int32|int64|uint32|uint64|sint32|sint64|fixed32|fixed64|sfixed32|sfixed64|bool|string|bytes)\b/y],
               ["smd-n", /\b\d+\b/y]]
  };

  function colour(code, lang) {
    var rules = RULES[lang], text = code.textContent, out = document.createDocumentFragment(), plain = "", i = 0;
    if (!rules) return;
    while (i < text.length) {
      var hit = null;
      for (var r = 0; r < rules.length && !hit; r++) {
        rules[r][1].lastIndex = i;
        var m = rules[r][1].exec(text);
        if (m && m[0].length) hit = [rules[r][0], m[0]];
      }
      if (!hit) { plain += text[i]; i++; continue; }
      if (plain) { out.appendChild(document.createTextNode(plain)); plain = ""; }
      var span = document.createElement("span");
      span.className = hit[0];
      span.textContent = hit[1];
      out.appendChild(span);
      i += hit[1].length;
    }
    if (plain) out.appendChild(document.createTextNode(plain));
    code.textContent = "";
    code.appendChild(out);
  }

  document.addEventListener("toggle", function (e) {
    var box = e.target;
    if (!box.classList || !box.classList.contains("smd-raw") || !box.open || box.getAttribute("data-coloured")) return;
    box.setAttribute("data-coloured", "true");
    var pre = box.querySelector("pre.smd-source");
    if (pre) colour(pre.querySelector("code"), pre.getAttribute("data-lang"));
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    var graphs = document.querySelectorAll(".specmesh-flow");
    if (!graphs.length || typeof window.mermaid === "undefined") return;
    window.mermaid.initialize({
      startOnLoad: false, securityLevel: "strict", maxTextSize: 2000000, maxEdges: 20000,
      // topic names are one long word: a wide wrapping width keeps them whole (the default cut them)
      flowchart: { useMaxWidth: false, htmlLabels: false, wrappingWidth: 1200 }, themeVariables: { fontSize: "14px" }
    });
    window.mermaid.run({ nodes: graphs }).then(function () {
      graphs.forEach(function (graph) {
        linkNodes(graph, linksFor(graph));
        panAndZoom(graph);
        graph.setAttribute("data-ready", "true");
      });
    });
  });
})();

/* The "Request access" box of a protected topic: the reader types a domain id; the command and the
   prefilled request link follow it. Only a domain id's characters are taken (letters, digits, '.',
   '_', '-'), and everything placed in the link is URL-encoded. */
(function () {
  function setUp(box) {
    var input = box.querySelector(".smd-request-domain");
    var command = box.querySelector(".smd-request-command");
    var link = box.querySelector(".smd-request-link");
    var topic = box.getAttribute("data-topic") || "";
    var readOnly = command ? command.textContent : "";
    if (!input || !command) return;
    function update() {
      var domain = (input.value || "").replace(/[^A-Za-z0-9._-]/g, "").slice(0, 200);
      var shown = domain || "DOMAIN";
      command.textContent = readOnly.replace("--for DOMAIN", "--for " + shown);
      if (link && link.getAttribute("data-template")) {
        var title = "Access to " + topic + " for " + shown;
        var body = "Please grant " + shown + " read access to " + topic + ".\n\nRun in this repository:\n\n    " +
          command.textContent + "\n";
        link.setAttribute("href", link.getAttribute("data-template")
          .split("{domain}").join(encodeURIComponent(shown))
          .split("{title}").join(encodeURIComponent(title))
          .split("{body}").join(encodeURIComponent(body)));
      }
    }
    input.addEventListener("input", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".smd-request").forEach(setUp);
  });
})();
