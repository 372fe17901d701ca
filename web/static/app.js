// The dashboard's few behaviours, loaded as a file so that the Content-Security-Policy can forbid
// inline script. No build step, no framework: htmx (vendored) loads fragments, this file does the rest.
"use strict";

// Side by side: a click on a passage (or Enter on it) scrolls the other text to the same passage.
function linkPassages() {
  document.querySelectorAll("mark.passage").forEach(function (mark) {
    function jump() {
      var other = mark.closest("[data-side]").dataset.side === "article" ? "page" : "article";
      var target = document.getElementById(other + "-p" + mark.dataset.passage);
      if (!target) return;
      document.querySelectorAll("mark.current").forEach(function (m) { m.classList.remove("current"); });
      mark.classList.add("current");
      target.classList.add("current");
      target.scrollIntoView({ block: "center", behavior: "smooth" });
    }
    mark.addEventListener("click", jump);
    mark.addEventListener("keydown", function (event) { if (event.key === "Enter") jump(); });
  });
}

// A ticked checkbox inside a <summary> must not open or close the site's line.
function keepSummaryCheckboxes() {
  document.querySelectorAll("summary input[type=checkbox]").forEach(function (box) {
    box.addEventListener("click", function (event) { event.stopPropagation(); });
  });
}

// The overview's chart: data comes from a data- attribute (JSON), never from inline script.
function drawCharts() {
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    if (typeof Chart === "undefined") return;
    var spec = JSON.parse(canvas.dataset.chart);
    new Chart(canvas, {
      type: "bar",
      data: spec,
      options: { responsive: true, animation: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  linkPassages();
  keepSummaryCheckboxes();
  drawCharts();
});
