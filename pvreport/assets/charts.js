/* pvreport: make charts interactive where JavaScript runs.
 *
 * Every chart is first a static SVG image with a text alternative, a caption and a data table
 * (templates/partials/_chart.md.j2); that stays the chart for anyone without JavaScript. Here,
 * each <figure data-vega-spec="<id>.json"> gets an interactive chart (tooltips) drawn by the vega
 * bundle shipped with the site (vega-bundle.js, before or after this file): no CDN, and the specs
 * hold their data inline, so no request leaves the site. The spec's file name is resolved against
 * the image's address, which MkDocs has already made right for the page.
 *
 * Hooked to Material's document$ so that it also runs after instant navigation; falls back to
 * DOMContentLoaded on other themes. Any failure leaves the static image in place.
 */
(function () {
  "use strict";

  function enhance(figure) {
    var img = figure.querySelector("img");
    var name = figure.getAttribute("data-vega-spec");
    if (!img || !name || figure.hasAttribute("data-vega-state")) return;
    if (typeof window.vegaEmbed !== "function" || typeof window.fetch !== "function") return;
    figure.setAttribute("data-vega-state", "loading");
    var url = new URL(name, img.src);
    if (url.origin !== window.location.origin) return;
    // Markdown wraps the image in a paragraph; the chart replaces the paragraph, not only the image.
    var shown = img.parentNode && img.parentNode.tagName === "P" ? img.parentNode : img;
    var holder = document.createElement("div");
    holder.className = "pv-chart-interactive";
    // A wide chart scrolls inside its own box on a narrow screen, rather than the whole page.
    holder.style.maxWidth = "100%";
    holder.style.overflowX = "auto";
    window
      .fetch(url.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("chart spec " + response.status);
        return response.json();
      })
      .then(function (spec) {
        shown.parentNode.insertBefore(holder, shown);
        return window.vegaEmbed(holder, spec, { actions: false, renderer: "svg" });
      })
      .then(function () {
        // The interactive chart carries the same text alternative (the spec's description);
        // hiding the image keeps screen readers from hearing the chart twice. An inline style,
        // because the theme's own display rules for images would beat the hidden attribute.
        shown.style.display = "none";
        figure.setAttribute("data-vega-state", "interactive");
      })
      .catch(function () {
        if (holder.parentNode) holder.parentNode.removeChild(holder);
        shown.style.display = "";
        figure.setAttribute("data-vega-state", "static");
      });
  }

  function run() {
    if (typeof window.vegaEmbed !== "function") {
      // The bundle may be listed after this script; every script has run by the load event.
      if (document.readyState !== "complete") window.addEventListener("load", run, { once: true });
      return;
    }
    var figures = document.querySelectorAll("figure[data-vega-spec]");
    for (var i = 0; i < figures.length; i++) enhance(figures[i]);
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(run);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
