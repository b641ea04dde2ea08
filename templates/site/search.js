/* Full-text search over the articles with Pagefind's index (pagefind/, built with the site).
   The index is fetched as the reader types, which browsers allow over http(s) only: opened
   from file://, the page says so and points to the all-articles filter. A classic script
   (a module would not run from file:// at all), loading Pagefind's module with import(). */
(function () {
"use strict";
var form = document.getElementById("search-form");
var input = document.getElementById("search-q");
var status = document.getElementById("search-status");
var results = document.getElementById("search-results");
var offline = document.getElementById("search-offline");

function item(data) {
  var li = document.createElement("li");
  var link = document.createElement("a");
  link.href = data.url.replace(/^\//, "../");
  var number = document.createElement("span");
  number.className = "number";
  number.textContent = (data.meta && data.meta.number) || "";
  link.appendChild(number);
  link.appendChild(document.createTextNode(" " + ((data.meta && data.meta.title) || data.url)));
  li.appendChild(link);
  var summary = document.createElement("p");
  summary.className = "item-summary";
  summary.textContent = (data.meta && data.meta.summary) || "";
  li.appendChild(summary);
  var excerpt = document.createElement("p");
  excerpt.className = "excerpt";
  /* Pagefind's excerpt is the article's own text (escaped by Pagefind) with <mark> around
     the words found; only those marks are kept. */
  var parts = data.excerpt.split(/(<mark>|<\/mark>)/);
  var marking = false;
  parts.forEach(function (part) {
    if (part === "<mark>") { marking = true; return; }
    if (part === "</mark>") { marking = false; return; }
    var text = document.createElement("textarea");
    text.innerHTML = part;
    var node = document.createTextNode(text.value);
    if (marking) { var mark = document.createElement("mark"); mark.appendChild(node); excerpt.appendChild(mark); }
    else { excerpt.appendChild(node); }
  });
  li.appendChild(excerpt);
  return li;
}

async function run(pagefind, query) {
  results.textContent = "";
  if (!query.trim()) { status.textContent = ""; return; }
  status.textContent = "Searching…";
  var search = await pagefind.debouncedSearch(query, {}, 150);
  if (search === null) { return; }  /* a newer query replaced this one */
  var found = await Promise.all(search.results.slice(0, 30).map(function (r) { return r.data(); }));
  results.textContent = "";
  found.forEach(function (data) { results.appendChild(item(data)); });
  var n = search.results.length;
  status.textContent = n === 0 ? "No article matches “" + query + "”." :
    (n === 1 ? "One article matches" : n + " articles match") + " “" + query + "”" +
    (n > 30 ? "; the first 30 are shown." : ".");
}

async function start() {
  var query = new URLSearchParams(location.search).get("q") || "";
  input.value = query;
  if (location.protocol === "file:") { offline.hidden = false; return; }
  var pagefind;
  try {
    pagefind = await import("../pagefind/pagefind.js");
    await pagefind.options({ baseUrl: "/", excerptLength: 24 });
  } catch (error) {
    offline.hidden = false;
    return;
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    run(pagefind, input.value);
  });
  input.addEventListener("input", function () { run(pagefind, input.value); });
  run(pagefind, query);
}

start();
})();
