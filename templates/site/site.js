/* The all-articles filter: stage, tag, keyword and words, from the page's own list.
   No server and no request: it only shows and hides the list's items, so it works from
   file:// too. Without JavaScript the form stays hidden and the page is the plain list.
   The choice is kept in the address (?tag=S6_Customers), so a filtered list can be linked. */
(function () {
  "use strict";
  var form = document.getElementById("filter");
  var list = document.getElementById("all-articles");
  var count = document.getElementById("filter-count");
  if (!form || !list) { return; }
  var items = Array.prototype.slice.call(list.children);
  var fields = ["stage", "tag", "keyword", "text"];

  function has(item, name, value) {
    var words = (item.getAttribute(name) || "").split(name === "data-stages" ? " " : "|");
    return words.indexOf(value) !== -1;
  }

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function apply() {
    var stage = form.stage.value, tag = form.tag.value, keyword = form.keyword.value;
    var words = fold(form.text.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (item) {
      var text = fold(item.textContent);
      var match = (!stage || has(item, "data-stages", stage)) &&
        (!tag || has(item, "data-tags", tag)) &&
        (!keyword || has(item, "data-keywords", fold(keyword))) &&
        words.every(function (w) { return text.indexOf(w) !== -1; });
      item.hidden = !match;
      if (match) { shown += 1; }
    });
    count.textContent = shown === items.length ? items.length + " articles" :
      shown + " of " + items.length + " articles match";
    var query = fields.filter(function (f) { return form[f].value; }).map(function (f) {
      return f + "=" + encodeURIComponent(form[f].value);
    }).join("&");
    if (location.protocol !== "file:" || !query) {
      try { history.replaceState(null, "", query ? "?" + query : location.pathname); } catch (e) { /* file:// */ }
    }
  }

  var params = new URLSearchParams(location.search);
  fields.forEach(function (f) {
    var value = params.get(f);
    if (value !== null) { form[f].value = value; }
  });
  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  apply();
})();
